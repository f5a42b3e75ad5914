"""The filter row above the table: a text search, a status choice and a subject choice."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Select

from docdesk.core.models import Status
from docdesk.tui.filtering import DocumentFilter
from docdesk.tui.formatting import status_label

TYPING_DEBOUNCE_SECONDS = 0.25


class FilterBar(Horizontal):
    """Posts FilterBar.Changed with the combined filter whenever one of its controls changes."""

    class Changed(Message):
        def __init__(self, document_filter: DocumentFilter) -> None:
            super().__init__()
            self.filter = document_filter

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._subjects: list[str] = []
        self._typing: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Filter by title, file, subject or grade  ( / )", id="filter-text")
        yield Select[Status](
            [(status_label(status), status) for status in Status],
            prompt="All statuses",
            id="filter-status",
        )
        yield Select[str]([], prompt="All subjects", id="filter-subject")

    @property
    def current(self) -> DocumentFilter:
        status = self.query_one("#filter-status", Select).value
        subject = self.query_one("#filter-subject", Select).value
        return DocumentFilter(
            text=self.query_one("#filter-text", Input).value,
            status=status if isinstance(status, Status) else None,
            subject=subject if isinstance(subject, str) else None,
        )

    def set_subjects(self, subjects: list[str]) -> None:
        """Offer the subjects in use, keeping the current choice while it still exists."""
        if subjects == self._subjects:
            return
        self._subjects = subjects
        select: Select[str] = self.query_one("#filter-subject", Select)
        chosen = select.value
        select.set_options([(subject, subject) for subject in subjects])
        if isinstance(chosen, str) and chosen in subjects:
            select.value = chosen

    def focus_text(self) -> None:
        self.query_one("#filter-text", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        # Typing is debounced: each filter change can touch thousands of rows.
        event.stop()
        if self._typing is not None:
            self._typing.stop()
        self._typing = self.set_timer(TYPING_DEBOUNCE_SECONDS, self._post_current)

    def _post_current(self) -> None:
        self._typing = None
        self.post_message(self.Changed(self.current))

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(self.current))
