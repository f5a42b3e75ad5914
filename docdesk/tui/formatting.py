"""Text for the table and status bar: status pills, progress, countdowns, sizes and times.

Every function takes the current time as an argument (epoch ms) instead of
reading the clock, so screens built from a fixed clock render the same each time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text

from docdesk.core.models import Document, Stage, Status

Clock = Callable[[], int]
"""A function returning the current time in epoch milliseconds."""

# Label, glyph and style of each status pill. The glyph and the word carry the
# meaning, so the pill reads the same on a terminal without colour.
_PILLS: dict[Status, tuple[str, str, str]] = {
    Status.QUEUED: ("Queued", "◷", "black on #a0a0a0"),
    Status.PROCESSING: ("Processing", "⟳", "black on #f0c330"),
    Status.READY: ("Ready", "✓", "bold white on #2f6fd6"),
    Status.ERROR: ("Error", "✗", "bold white on #d43c3c"),
}


def status_label(status: Status) -> str:
    return _PILLS[status][0]


def pill_parts(status: Status) -> tuple[str, str]:
    """Return the pill's text and style."""
    label, glyph, style = _PILLS[status]
    return f" {glyph} {label} ", style


def status_pill(status: Status) -> Text:
    """Return the pill as styled text whose style covers the label only, not the padding around it."""
    return Text.assemble(pill_parts(status))


def duration(seconds: float) -> str:
    """Format a non-negative duration compactly: "45s", "3m 12s", "2h 05m", "3d 4h"."""
    total = max(0, int(seconds + 0.999))
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes:02d}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m {secs:02d}s" if secs else f"{minutes}m"
    return f"{secs}s"


def countdown(target_ms: int, now_ms: int) -> str:
    """Return "in 3m 12s" until `target_ms`, or "due now" once it has passed."""
    remaining = (target_ms - now_ms) / 1000
    if remaining <= 0:
        return "due now"
    return f"in {duration(remaining)}"


def progress_text(document: Document) -> str:
    """Describe how far a document is: the stage and chunks embedded, or the chunk count when ready."""
    if document.status is Status.READY:
        return f"{document.chunk_count} chunk{'' if document.chunk_count == 1 else 's'}"
    if document.status is not Status.PROCESSING:
        return ""
    if document.stage == Stage.EMBEDDING and document.progress_total:
        done, total = document.progress_done, document.progress_total
        return f"{_bar(done, total)} {done}/{total}"
    if document.stage:
        return f"{document.stage}…"
    return "starting…"


def _bar(done: int, total: int, width: int = 5) -> str:
    filled = round(width * done / total) if total else 0
    return "▰" * filled + "▱" * (width - filled)


def next_retry_text(document: Document, now_ms: int) -> str:
    if document.status is not Status.QUEUED or document.next_retry_at is None:
        return ""
    return countdown(document.next_retry_at, now_ms)


def retries_text(document: Document, max_retries: int) -> str:
    if document.retry_count == 0:
        return ""
    return f"{document.retry_count}/{max_retries}"


def error_text(document: Document) -> str:
    """Return the one-line reason for the table: the last error of queued and failed documents."""
    if document.status in (Status.QUEUED, Status.ERROR) and document.last_error:
        return " ".join(document.last_error.split())
    return ""


def display_title(document: Document) -> str:
    return document.title or document.filename


def not_ready_reason(document: Document, now_ms: int) -> str:
    """Explain why a document cannot be ticked for export, e.g. "not ready: queued, retry in 2m 05s"."""
    if document.status is Status.QUEUED:
        when = next_retry_text(document, now_ms)
        if when and when != "due now":
            return f"not ready: queued, retry {when}"
        return "not ready: queued, waiting for the worker"
    if document.status is Status.PROCESSING:
        return f"not ready: processing ({progress_text(document) or 'starting'})"
    if document.status is Status.ERROR:
        reason = error_text(document) or "no reason recorded"
        # A document that used up its retries may pass later; one that failed at once
        # (no text, password, damaged file) fails the same way until the file changes.
        if document.retry_count > 0:
            return f"not ready: failed ({reason}), press r to retry"
        return f"not ready: failed ({reason})"
    return ""


def human_size(size: int | None) -> str:
    if size is None:
        return "unknown"
    if size < 1024:
        return f"{size} bytes"
    value = size / 1024
    for unit in ("KiB", "MiB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


def timestamp(epoch_ms: int | None) -> str:
    """Format an epoch-ms time in the local time zone, or "—" when unset."""
    if epoch_ms is None:
        return "—"
    return datetime.fromtimestamp(epoch_ms / 1000).strftime("%Y-%m-%d %H:%M:%S")
