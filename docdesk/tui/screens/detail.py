"""Everything about one document: sizes, storage, times, the retry schedule and the full last error."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from docdesk.core.models import Document, Status
from docdesk.core.settings import Settings
from docdesk.core.worker.retry_schedule import JITTER_FRACTION, nominal_retry_delays
from docdesk.tui import formatting

_MAX_LISTED_DELAYS = 4


def retry_schedule(document: Document, settings: Settings, now_ms: int) -> list[tuple[str, str]]:
    """Rows describing the retries done and ahead, for queued and failed documents."""
    if document.status not in (Status.QUEUED, Status.ERROR) or document.retry_count == 0:
        return [] if document.next_retry_at is None else [("Next retry", _next_retry(document, now_ms))]
    rows = [("Retries", f"{document.retry_count} of {settings.max_retries} used")]
    if document.status is Status.ERROR:
        return rows
    if document.next_retry_at is not None:
        rows.append(("Next retry", _next_retry(document, now_ms)))
    delays = nominal_retry_delays(document.retry_count, settings.retry_base_seconds, settings.max_retries)
    if delays:
        listed = ", ".join(formatting.duration(d) for d in delays[:_MAX_LISTED_DELAYS])
        more = ", …" if len(delays) > _MAX_LISTED_DELAYS else ""
        rows.append(("If it fails again", f"waits {listed}{more} (±{JITTER_FRACTION:.0%}), then error"))
    else:
        rows.append(("If it fails again", "error (no retries left)"))
    return rows


def _next_retry(document: Document, now_ms: int) -> str:
    assert document.next_retry_at is not None
    when = formatting.timestamp(document.next_retry_at)
    return f"{when} ({formatting.countdown(document.next_retry_at, now_ms)})"


def detail_rows(document: Document, settings: Settings, now_ms: int) -> list[tuple[str, str | Text]]:
    rows: list[tuple[str, str | Text]] = [
        ("Status", formatting.status_pill(document.status)),
    ]
    if document.status is Status.PROCESSING:
        rows.append(("Progress", formatting.progress_text(document)))
    rows += [
        ("File", document.filename),
        ("Subject", document.subject or "—"),
        ("Grade", document.grade or "—"),
        ("Size", formatting.human_size(document.size)),
        ("Type", document.mime or "unknown"),
        ("Pages", str(document.page_count) if document.page_count is not None else "—"),
        ("Chunks", str(document.chunk_count)),
        ("Model", document.model or "—"),
        ("Stored at", document.storage_path),
        ("Added from", document.source_path or "—"),
        ("Added", formatting.timestamp(document.created_at)),
        ("Updated", formatting.timestamp(document.updated_at)),
        ("Id", document.id),
    ]
    rows += retry_schedule(document, settings, now_ms)
    if document.last_error:
        rows.append(("Last error", Text(document.last_error, style="red")))
    return rows


class DetailScreen(ModalScreen[None]):
    """A read-only view of the highlighted document."""

    BINDINGS = [Binding("escape,enter,i,q", "close", "Close")]

    def __init__(self, document: Document, settings: Settings, now_ms: int) -> None:
        super().__init__()
        self._document = document
        self._settings = settings
        self._now_ms = now_ms

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for name, value in detail_rows(self._document, self._settings, self._now_ms):
            table.add_row(name, value)
        with Vertical(classes="dialog wide"):
            yield Label(formatting.display_title(self._document), classes="dialog-title", markup=False)
            with VerticalScroll():
                yield Static(table)
            yield Label("esc: close", classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)
