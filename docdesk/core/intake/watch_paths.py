"""Path filter of a watched folder, and the scan for the files in it."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from watchfiles import Change

from docdesk.core.intake.add import expand_paths
from docdesk.core.intake.ignore import has_hidden_part, is_ignored


class WatchedPaths:
    """Path filter for one watched folder.

    Skips temporary, lock and hidden files, files in hidden folders, and docdesk's
    own database and storage when they sit inside the folder. It also skips paths
    that pass through a symbolic link to a folder, because such a link can form a
    loop or show the same file under a second name.
    """

    def __init__(self, root: Path, excluded: Iterable[Path]) -> None:
        self.root = root
        self._excluded = tuple(excluded)

    def accepts(self, path: Path) -> bool:
        if path == self.root or self.root not in path.parents:
            return False
        if is_ignored(path) or has_hidden_part(path, self.root):
            return False
        if any(path == excluded or excluded in path.parents for excluded in self._excluded):
            return False
        return not self._reaches_through_symlink(path)

    def watch_filter(self, change: Change, raw_path: str) -> bool:
        """Apply `accepts` in the form of a `watchfiles.awatch` filter."""
        return self.accepts(Path(raw_path))

    def files_in(self, folder: Path) -> list[Path]:
        """Return the accepted files in `folder` and its subfolders, without following folder links."""
        if os.path.islink(folder):
            return []
        return [path for path in expand_paths([folder]) if self.accepts(path)]

    def _reaches_through_symlink(self, path: Path) -> bool:
        parent = path.parent
        while parent != self.root:
            if os.path.islink(parent):
                return True
            parent = parent.parent
        return False
