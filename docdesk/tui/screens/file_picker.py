"""Picking files to add: browse folders, mark several files or folders, then add them all."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DirectoryTree, Input, Label

from docdesk.tui.widgets.file_tree import MarkableDirectoryTree

_LISTED = 4


def marked_summary(marked: list[Path]) -> str:
    if not marked:
        return "Nothing marked yet: space or enter marks a file, space marks a folder."
    names = ", ".join(path.name + ("/" if path.is_dir() else "") for path in marked[:_LISTED])
    more = f" and {len(marked) - _LISTED} more" if len(marked) > _LISTED else ""
    return f"{len(marked)} marked: {names}{more}"


class FilePickerScreen(ModalScreen[list[Path] | None]):
    """Returns the marked files and folders (folders are searched recursively), or None."""

    BINDINGS = [
        Binding("ctrl+s", "add", "Add marked"),
        Binding("backspace", "parent", "Parent folder"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, start: Path) -> None:
        super().__init__()
        self._start = start

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide tall"):
            yield Label("Add files: PDF, DOCX, TXT or MD", classes="dialog-title")
            yield Input(str(self._start), placeholder="Folder to browse, or a file to mark", id="folder")
            yield MarkableDirectoryTree(self._start, id="tree")
            yield Label(marked_summary([]), id="marked", markup=False)
            yield Label("", id="picker-problem", classes="dialog-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Add marked (ctrl+s)", variant="primary", id="add", disabled=True)
                yield Button("Parent folder (backspace)", id="parent")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one(MarkableDirectoryTree).focus()

    @property
    def file_tree(self) -> MarkableDirectoryTree:
        return self.query_one(MarkableDirectoryTree)

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.file_tree.toggle_mark(event.node)

    def on_markable_directory_tree_marks_changed(self, event: MarkableDirectoryTree.MarksChanged) -> None:
        self.query_one("#marked", Label).update(marked_summary(event.marked))
        self.query_one("#add", Button).disabled = not event.marked

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Make a folder the tree's root, mark a file, or report a path that is neither."""
        event.stop()
        path = Path(event.value.strip()).expanduser()
        problem = self.query_one("#picker-problem", Label)
        if path.is_dir():
            self.file_tree.path = path
            problem.update("")
        elif path.is_file():
            self.file_tree.marked.add(path.absolute())
            self.post_message(MarkableDirectoryTree.MarksChanged(sorted(self.file_tree.marked)))
            problem.update("")
        else:
            problem.update(f"{path}: no such file or folder")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {"add": self.action_add, "parent": self.action_parent, "cancel": self.action_cancel}
        actions[event.button.id or "cancel"]()

    def action_parent(self) -> None:
        current = Path(self.file_tree.path).absolute()
        self.file_tree.path = current.parent
        self.query_one("#folder", Input).value = str(current.parent)

    def action_add(self) -> None:
        if self.file_tree.marked:
            self.dismiss(sorted(self.file_tree.marked))

    def action_cancel(self) -> None:
        self.dismiss(None)
