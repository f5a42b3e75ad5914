"""Every user action once: its key, footer label, command-palette title and help text.

The app's bindings, its command-palette entries and the help screen are all
built from this table, so a new action cannot miss one of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen


@dataclass(frozen=True, slots=True)
class AppCommand:
    """One action of the main screen. `action` names the screen's `action_*` method."""

    action: str
    key: str
    key_display: str
    footer: str
    title: str
    help: str


COMMANDS: tuple[AppCommand, ...] = (
    AppCommand("add_files", "a", "a", "Add", "Add files",
               "Pick PDF, DOCX, TXT or MD files and queue them"),
    AppCommand("toggle_use", "space", "space", "Use", "Tick or untick for export",
               "Tick the highlighted document (only ready documents can be ticked)"),
    AppCommand("details", "i", "i", "Details", "Show document details",
               "Size, pages, chunks, stored path, times, retry schedule and the full last error"),
    AppCommand("edit", "e", "e", "Edit", "Edit title, subject and grade",
               "Change the highlighted document's title, subject and grade"),
    AppCommand("retry", "r", "r", "Retry", "Retry document now",
               "Queue the highlighted document to run now with a fresh retry budget"),
    AppCommand("retry_failed", "R", "R", "Retry failed", "Retry all failed documents now",
               "Queue every document in error to run now with a fresh retry budget"),
    AppCommand("remove", "d", "d", "Remove", "Remove document",
               "Delete the highlighted document, its chunks, vectors and stored copy (asks first)"),
    AppCommand("export", "x", "x", "Export", "Export ticked documents",
               "Write the ticked ready documents as Markdown tutor context"),
    AppCommand("filter", "slash", "/", "Filter", "Filter documents",
               "Focus the filter row: text search, status and subject (esc returns to the table)"),
    AppCommand("sort", "o", "o", "Sort", "Sort by the next column",
               "Sort by the next column, or click a header (again to reverse, a third time to reset)"),
    AppCommand("help", "question_mark", "?", "Help", "Show help",
               "Keys, the log file and the database in use"),
    AppCommand("quit", "q", "q", "Quit", "Quit docdesk",
               "Stop the worker (the document in hand goes back to the queue) and exit"),
)


def bindings() -> list[Binding]:
    return [Binding(c.key, c.action, c.footer, key_display=c.key_display) for c in COMMANDS]


def system_commands(screen: Screen[Any]) -> Iterable[SystemCommand]:
    """Command-palette entries that run the actions on `screen`, as its key bindings do."""
    for command in COMMANDS:
        yield SystemCommand(command.title, command.help, partial(screen.app.run_action, command.action, screen))
