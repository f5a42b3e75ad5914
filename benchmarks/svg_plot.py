"""Small hand-written SVG charts: lines over time and grouped bars with min-max whiskers.

Written by hand so the benchmarks need no plotting library. The output is
plain SVG 1.1 that browsers and GitHub's Markdown viewer render.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

WIDTH = 720
HEIGHT = 400
_LEFT, _RIGHT, _TOP, _BOTTOM = 80, 190, 40, 56
_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")
_FONT = 'font-family="sans-serif" font-size="12"'


@dataclass(frozen=True, slots=True)
class Series:
    """One line; `dashed` marks a bound rather than a measurement."""

    label: str
    points: Sequence[tuple[float, float]]
    dashed: bool = False


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: the median with a whisker from `low` to `high`."""

    label: str
    median: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class BarGroup:
    label: str
    bars: Sequence[Bar]


def nice_ticks(high: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `high`, about `count` of them."""
    if high <= 0 or not math.isfinite(high):
        return [0.0, 1.0]
    raw = high / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks = [0.0]
    while ticks[-1] < high:
        ticks.append(ticks[-1] + step)
    return ticks


def format_tick(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:g}"


def format_value(value: float) -> str:
    """Three significant digits, with thousands separators above 1,000."""
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


class _Frame:
    """Maps data to pixel coordinates inside the plot area and draws the axes."""

    def __init__(self, x_ticks: list[float], y_ticks: list[float]) -> None:
        self.x_max = x_ticks[-1] or 1.0
        self.y_max = y_ticks[-1] or 1.0
        self.x_ticks = x_ticks
        self.y_ticks = y_ticks
        self.width = WIDTH - _LEFT - _RIGHT
        self.height = HEIGHT - _TOP - _BOTTOM

    def x(self, value: float) -> float:
        return _LEFT + self.width * value / self.x_max

    def y(self, value: float) -> float:
        return _TOP + self.height * (1 - value / self.y_max)

    def y_axis(self, label: str) -> list[str]:
        parts = []
        for tick in self.y_ticks:
            y = self.y(tick)
            parts.append(f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{_LEFT + self.width}" y2="{y:.1f}" stroke="#ddd"/>')
            parts.append(f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" {_FONT}>{format_tick(tick)}</text>')
        middle = _TOP + self.height / 2
        parts.append(
            f'<text x="18" y="{middle:.1f}" text-anchor="middle" transform="rotate(-90 18 {middle:.1f})" '
            f"{_FONT}>{escape(label)}</text>"
        )
        parts.append(
            f'<line x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{_TOP + self.height}" stroke="#333"/>'
            f'<line x1="{_LEFT}" y1="{_TOP + self.height}" x2="{_LEFT + self.width}" '
            f'y2="{_TOP + self.height}" stroke="#333"/>'
        )
        return parts

    def x_axis(self, label: str) -> list[str]:
        base = _TOP + self.height
        parts = []
        for tick in self.x_ticks:
            x = self.x(tick)
            parts.append(f'<line x1="{x:.1f}" y1="{base}" x2="{x:.1f}" y2="{base + 4}" stroke="#333"/>')
            parts.append(f'<text x="{x:.1f}" y="{base + 18}" text-anchor="middle" {_FONT}>{format_tick(tick)}</text>')
        parts.append(
            f'<text x="{_LEFT + self.width / 2:.1f}" y="{HEIGHT - 12}" text-anchor="middle" {_FONT}>'
            f"{escape(label)}</text>"
        )
        return parts


def _document(title: str, body: list[str]) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}">'
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>'
        f'<text x="{WIDTH / 2:.0f}" y="22" text-anchor="middle" font-family="sans-serif" font-size="15" '
        f'font-weight="bold">{escape(title)}</text>'
    )
    return "\n".join([head, *body, "</svg>", ""])


def _legend(entries: list[tuple[str, str, str]]) -> list[str]:
    """Draw the legend right of the plot. Each entry is (label, colour, kind) with kind "line", "dashed" or "box"."""
    parts = []
    x = WIDTH - _RIGHT + 14
    for index, (label, colour, kind) in enumerate(entries):
        y = _TOP + 10 + index * 20
        if kind == "box":
            parts.append(f'<rect x="{x + 6}" y="{y - 6}" width="12" height="12" fill="{colour}"/>')
        else:
            dash = ' stroke-dasharray="6 4"' if kind == "dashed" else ""
            parts.append(
                f'<line x1="{x}" y1="{y}" x2="{x + 24}" y2="{y}" stroke="{colour}" stroke-width="2"{dash}/>'
            )
        parts.append(f'<text x="{x + 30}" y="{y + 4}" {_FONT}>{escape(label)}</text>')
    return parts


def line_chart(title: str, series: Sequence[Series], x_label: str, y_label: str) -> str:
    """Draw each series as a line; dashed series (bounds) are grey."""
    x_high = max((x for s in series for x, _ in s.points), default=1.0)
    y_high = max((y for s in series for _, y in s.points), default=1.0)
    frame = _Frame(nice_ticks(x_high), nice_ticks(y_high))
    body = frame.y_axis(y_label) + frame.x_axis(x_label)
    legend: list[tuple[str, str, str]] = []
    for index, item in enumerate(series):
        colour = "#555" if item.dashed else _PALETTE[index % len(_PALETTE)]
        points = " ".join(f"{frame.x(x):.1f},{frame.y(y):.1f}" for x, y in item.points)
        dash = ' stroke-dasharray="6 4"' if item.dashed else ""
        body.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        legend.append((item.label, colour, "dashed" if item.dashed else "line"))
    return _document(title, body + _legend(legend))


def bar_chart(title: str, groups: Sequence[BarGroup], y_label: str, reference: float | None = None) -> str:
    """Draw grouped bars at their medians with min-max whiskers, and a dashed goal line at `reference`."""
    y_high = max([bar.high for group in groups for bar in group.bars] + [reference or 0.0], default=1.0)
    frame = _Frame([1.0], nice_ticks(y_high))
    body = frame.y_axis(y_label)
    labels = list(dict.fromkeys(bar.label for group in groups for bar in group.bars))
    group_width = frame.width / max(len(groups), 1)
    bar_width = group_width * 0.7 / max(len(labels), 1)
    base = _TOP + frame.height

    for g_index, group in enumerate(groups):
        left = _LEFT + g_index * group_width + group_width * 0.15
        for bar in group.bars:
            colour = _PALETTE[labels.index(bar.label) % len(_PALETTE)]
            x = left + labels.index(bar.label) * bar_width
            top = frame.y(bar.median)
            body.append(
                f'<rect x="{x:.1f}" y="{top:.1f}" width="{bar_width * 0.9:.1f}" height="{base - top:.1f}" '
                f'fill="{colour}"/>'
            )
            centre = x + bar_width * 0.45
            body.append(
                f'<line x1="{centre:.1f}" y1="{frame.y(bar.low):.1f}" x2="{centre:.1f}" '
                f'y2="{frame.y(bar.high):.1f}" stroke="#000" stroke-width="1.5"/>'
            )
            label_y = min(top, frame.y(bar.high)) - 5
            body.append(
                f'<text x="{centre:.1f}" y="{label_y:.1f}" text-anchor="middle" {_FONT}>'
                f"{format_value(bar.median)}</text>"
            )
        middle = _LEFT + g_index * group_width + group_width / 2
        body.append(f'<text x="{middle:.1f}" y="{base + 18}" text-anchor="middle" {_FONT}>{escape(group.label)}</text>')

    legend = [(label, _PALETTE[index % len(_PALETTE)], "box") for index, label in enumerate(labels)]
    if reference is not None:
        y = frame.y(reference)
        body.append(
            f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{_LEFT + frame.width}" y2="{y:.1f}" stroke="#555" '
            f'stroke-width="1.5" stroke-dasharray="6 4"/>'
        )
        legend.append((f"goal {format_tick(reference)}", "#555", "dashed"))
    return _document(title, body + _legend(legend))
