"""The status bar: provider and its state, throughput, counts per status, ticks and the watched folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rich.text import Text
from textual.widgets import Static

from docdesk.core.models import Status
from docdesk.tui import formatting
from docdesk.tui.provider_status import ProviderMode, ProviderStatus

_MODE_STYLES: dict[ProviderMode, tuple[str, str]] = {
    ProviderMode.WORKING: ("●", "bold green"),
    ProviderMode.IDLE: ("●", "green"),
    ProviderMode.STARTING: ("◌", "yellow"),
    ProviderMode.RATE_LIMITED: ("◐", "bold yellow"),
    ProviderMode.PAUSED: ("‖", "bold white on #d43c3c"),
    ProviderMode.NO_WORKER: ("○", "yellow"),
}


@dataclass(frozen=True, slots=True)
class StatusView:
    """Everything the status bar shows, built by the main screen after each poll and clock tick."""

    provider: str
    status: ProviderStatus
    now_ms: int
    counts: dict[Status, int] = field(default_factory=dict)
    chunks_per_minute: float | None = None
    seconds_left: float | None = None
    ticked: int = 0
    shown: int = 0
    watch_dir: Path | None = None
    watching: bool = False


def provider_line(view: StatusView) -> Text:
    status = view.status
    glyph, style = _MODE_STYLES[status.mode]
    line = Text()
    if status.mode is ProviderMode.PAUSED:
        line.append(f" {glyph} {status.mode.value}: {status.reason or 'unknown reason'} ", style=style)
        if status.resumes_at is not None:
            line.append(f" next try {formatting.countdown(status.resumes_at, view.now_ms)}", style="bold")
    else:
        line.append(f" {glyph} {status.mode.value}", style=style)
    if status.mode is ProviderMode.RATE_LIMITED and status.resumes_at is not None:
        line.append(f" resumes {formatting.countdown(status.resumes_at, view.now_ms)}")
    elif status.mode is ProviderMode.NO_WORKER:
        line.append(" (run `docdesk worker`, or open the app without --no-worker)", style="dim")
    line.append("  │  ", style="dim")
    line.append(view.provider)
    if view.chunks_per_minute is not None:
        line.append(f"  │  {view.chunks_per_minute:.0f} chunks/min", style="cyan")
    if view.seconds_left is not None:
        line.append(f"  │  about {formatting.duration(view.seconds_left)} left", style="cyan")
    if status.mode is ProviderMode.PAUSED and status.message:
        line.append(f"\n   {' '.join(status.message.split())}", style="red")
    return line


def counts_line(view: StatusView) -> Text:
    line = Text(" ")
    for status in Status:
        line.append_text(formatting.status_pill(status))
        line.append(f" {view.counts.get(status, 0)}  ")
    total = sum(view.counts.values())
    line.append("│  ", style="dim")
    line.append(f"{view.ticked} ticked for export", style="bold green" if view.ticked else "")
    if view.shown != total:
        line.append(f"  │  showing {view.shown} of {total}", style="yellow")
    if view.watch_dir is not None:
        state = "watching" if view.watching else "not watching"
        line.append(f"  │  {state} {view.watch_dir}", style="" if view.watching else "yellow")
    return line


class StatusBar(Static):
    """Two or three lines at the bottom of the main screen, above the footer."""

    def show(self, view: StatusView) -> None:
        self.update(Text("\n").join([provider_line(view), counts_line(view)]))
