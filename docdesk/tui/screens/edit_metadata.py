"""Editing a document's title, subject and grade."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from docdesk.core.models import Document


@dataclass(frozen=True, slots=True)
class MetadataEdit:
    """New values. An empty subject or grade clears it, and an empty title falls back to the file name."""

    title: str
    subject: str
    grade: str


class EditMetadataScreen(ModalScreen[MetadataEdit | None]):
    """Returns the edited values, or None when cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, document: Document) -> None:
        super().__init__()
        self._document = document

    def compose(self) -> ComposeResult:
        document = self._document
        with Vertical(classes="dialog"):
            yield Label(f"Edit {document.filename}", classes="dialog-title", markup=False)
            yield Label("Title")
            yield Input(document.title or "", placeholder=document.filename, id="title")
            yield Label("Subject")
            yield Input(document.subject or "", placeholder="e.g. Biology", id="subject")
            yield Label("Grade")
            yield Input(document.grade or "", placeholder="e.g. 9", id="grade")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save")
                yield Button("Cancel (esc)", id="cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter moves to the next field, and saves from the last one."""
        event.stop()
        if event.input.id == "grade":
            self.action_save()
        else:
            self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    def action_save(self) -> None:
        self.dismiss(
            MetadataEdit(
                title=self.query_one("#title", Input).value,
                subject=self.query_one("#subject", Input).value,
                grade=self.query_one("#grade", Input).value,
            )
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
