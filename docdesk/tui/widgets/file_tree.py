"""A directory tree that shows only addable files and lets the user mark several of them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DirectoryTree
from textual.widgets.directory_tree import DirEntry
from textual.widgets.tree import TreeNode

from docdesk.core.intake.ignore import SUPPORTED_SUFFIXES, is_ignored


class MarkableDirectoryTree(DirectoryTree):
    """A tree without hidden, temporary and unsupported files, where space marks a file or folder."""

    BINDINGS = [Binding("space", "toggle_mark", "Mark", key_display="space")]

    # Plain characters instead of the default emoji, which many terminal fonts lack.
    ICON_NODE = "▸ "
    ICON_NODE_EXPANDED = "▾ "
    ICON_FILE = "  "

    class MarksChanged(Message):
        def __init__(self, marked: list[Path]) -> None:
            super().__init__()
            self.marked = marked

    def __init__(self, path: str | Path, *, id: str | None = None) -> None:
        super().__init__(path, id=id)
        self.marked: set[Path] = set()

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        # Runs on DirectoryTree's loader thread, so the is_dir() calls do not block the app.
        for path in paths:
            if path.name.startswith("."):
                continue
            if path.is_dir() or (path.suffix.lower() in SUPPORTED_SUFFIXES and not is_ignored(path)):
                yield path

    def render_label(self, node: TreeNode[DirEntry], base_style: Style, style: Style) -> Text:
        label = super().render_label(node, base_style, style)
        if node.data is not None and node.data.path.absolute() in self.marked:
            # The mark takes the place of the two-cell icon, so names stay aligned.
            return Text.assemble(("✓ ", "bold green"), label[2:])
        return label

    def toggle_mark(self, node: TreeNode[DirEntry]) -> None:
        if node.data is None or node is self.root:
            return
        key = node.data.path.absolute()
        if key in self.marked:
            self.marked.discard(key)
        else:
            self.marked.add(key)
        node.refresh()
        self.post_message(self.MarksChanged(sorted(self.marked)))

    def action_toggle_mark(self) -> None:
        if self.cursor_node is not None:
            self.toggle_mark(self.cursor_node)
