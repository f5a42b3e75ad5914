"""Which files in a folder are not documents: temporary, lock, partial and hidden files."""

from __future__ import annotations

import fnmatch
from pathlib import Path

SUPPORTED_SUFFIXES = (".pdf", ".docx", ".txt", ".md")

# Office lock files, LibreOffice locks, partial downloads, editor and OS clutter.
_IGNORED_PATTERNS = ("~$*", ".~lock.*#", "*.crdownload", "*.part", "*.tmp", "*~", "Thumbs.db", "desktop.ini")


def is_ignored(path: Path) -> bool:
    """True for files a person did not mean to add: temporaries, locks, dotfiles and OS metadata."""
    name = path.name
    if name.startswith("."):
        return True
    return any(fnmatch.fnmatch(name.lower(), pattern.lower()) for pattern in _IGNORED_PATTERNS)


def has_hidden_part(path: Path, root: Path) -> bool:
    """True when any folder between `root` and `path` is hidden (e.g. `.git`)."""
    try:
        relative = path.relative_to(root)
    except ValueError:
        return False
    return any(part.startswith(".") for part in relative.parts[:-1])
