"""Help: every key, where the log file and the database are, and how the table updates."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from docdesk.tui.commands import COMMANDS

_NOTES = (
    "Documents are added as Queued, and the worker extracts, chunks and embeds them until they are Ready.",
    "Only Ready documents can be ticked in the Use column and exported.",
    "The table follows the database live, also changes made by other docdesk processes.",
    "ctrl+p opens the command palette with every action.",
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "close", "Close")]

    def __init__(self, log_path: Path, db_path: Path, storage_dir: Path) -> None:
        super().__init__()
        self._paths = (("Log file", log_path), ("Database", db_path), ("Stored copies", storage_dir))

    def compose(self) -> ComposeResult:
        keys = Table.grid(padding=(0, 2))
        keys.add_column(style="bold cyan", no_wrap=True)
        keys.add_column(no_wrap=True)
        keys.add_column(style="dim")
        for command in COMMANDS:
            keys.add_row(command.key_display, command.title, command.help)
        keys.add_row("enter", "Show document details", "Also a second click on the highlighted row")
        keys.add_row("click Use", "Tick or untick for export", "Click the Use cell of a ready document")
        paths = Table.grid(padding=(0, 2))
        paths.add_column(style="bold", no_wrap=True)
        paths.add_column(overflow="fold")
        for name, path in self._paths:
            paths.add_row(name, str(path))
        with Vertical(classes="dialog wide"):
            yield Label("docdesk help", classes="dialog-title")
            with VerticalScroll():
                yield Static(paths)
                yield Static("")
                yield Static(keys)
                yield Static("")
                yield Static("\n".join(f"• {note}" for note in _NOTES), markup=False)
            yield Label("esc: close", classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)
