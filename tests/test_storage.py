"""Content-addressed storage: atomic copies and clean-up after an interrupted intake."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from docdesk.core.errors import RejectedFileError
from docdesk.core.intake.add import _check_readable
from docdesk.core.intake.storage import hash_file, remove_stale_incoming, store_copy


def test_copy_named_by_content(tmp_path: Path) -> None:
    source = tmp_path / "../weird name ü.txt"
    source.write_text("content", encoding="utf-8")
    digest, size = hash_file(source)
    stored = store_copy(source, tmp_path / "storage", digest, ".txt")
    assert stored.name == f"{digest}.txt"
    assert stored.parent.parent == tmp_path / "storage"
    assert size == 7
    assert stored.stat().st_mode & 0o077 == 0


def test_stale_incoming_removed(tmp_path: Path) -> None:
    folder = tmp_path / "storage" / "ab"
    folder.mkdir(parents=True)
    old = folder / ".incoming-old"
    fresh = folder / ".incoming-fresh"
    old.write_bytes(b"partial")
    fresh.write_bytes(b"in progress")
    hours_ago = time.time() - 7200
    os.utime(old, (hours_ago, hours_ago))
    assert remove_stale_incoming(tmp_path / "storage") == 1
    assert not old.exists()
    assert fresh.exists()


def test_symlink_loop_named(tmp_path: Path) -> None:
    loop = tmp_path / "loop.txt"
    loop.symlink_to(loop)
    with pytest.raises(RejectedFileError, match="looping symbolic link"):
        _check_readable(loop)
