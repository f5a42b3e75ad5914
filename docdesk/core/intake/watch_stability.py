"""Waiting until a file in the watched folder has stopped changing before it is read.

A copy or download in progress grows or gets a new modification time at every
write. A file counts as stable once its size and mtime have stayed the same for
`stable_seconds`, measured across repeated checks.
"""

from __future__ import annotations

import logging
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FileSignature:
    """Size and modification time of a file. A change in either means its content may have changed."""

    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class StableFile:
    """A regular file whose signature held for the stability period."""

    path: Path
    signature: FileSignature
    from_scan: bool


@dataclass(frozen=True, slots=True)
class UnreadableFile:
    """A file that `os.stat` failed on for a reason other than the file being gone."""

    path: Path
    error: OSError
    from_scan: bool


@dataclass(slots=True)
class _Pending:
    signature: FileSignature | None
    unchanged_since: float
    from_scan: bool


def read_signature(path: Path) -> FileSignature | None:
    """Return the signature of a regular file, or None for a folder, pipe or other non-regular file.

    Follows symbolic links. Raises OSError, e.g. FileNotFoundError or a link loop.
    """
    status = os.stat(path)
    if not stat.S_ISREG(status.st_mode):
        return None
    return FileSignature(status.st_size, status.st_mtime_ns)


class StabilityTracker:
    """Pending files, each released once it has been stable for `stable_seconds`."""

    def __init__(self, stable_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._stable_seconds = stable_seconds
        self._clock = clock
        self._pending: dict[Path, _Pending] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def note(self, path: Path, *, from_scan: bool = False) -> None:
        """Start waiting for `path`. A path already waiting keeps its timer."""
        entry = self._pending.get(path)
        if entry is None:
            self._pending[path] = _Pending(None, self._clock(), from_scan)
        else:
            # A live event on a file the start-up scan also found makes it a live change.
            entry.from_scan = entry.from_scan and from_scan

    def forget(self, path: Path) -> None:
        self._pending.pop(path, None)

    def take_settled(self) -> list[StableFile | UnreadableFile]:
        """Check every pending file once and remove those that are stable or cannot be read.

        Files that vanished or are not regular files are dropped without a result.
        Calls `os.stat` on each pending file, so run it off the event loop.
        """
        now = self._clock()
        settled: list[StableFile | UnreadableFile] = []
        for path, entry in list(self._pending.items()):
            result = self._check(path, entry, now)
            if result is not None:
                settled.append(result)
        return settled

    def _check(self, path: Path, entry: _Pending, now: float) -> StableFile | UnreadableFile | None:
        try:
            signature = read_signature(path)
        except FileNotFoundError:
            log.debug("%s vanished before it was stable; skipped", path)
            del self._pending[path]
            return None
        except OSError as error:
            del self._pending[path]
            return UnreadableFile(path, error, entry.from_scan)

        if signature is None:
            log.debug("%s is not a regular file; skipped", path)
            del self._pending[path]
            return None
        if signature != entry.signature:
            entry.signature = signature
            entry.unchanged_since = now
            return None
        if now - entry.unchanged_since < self._stable_seconds:
            return None
        del self._pending[path]
        return StableFile(path, signature, entry.from_scan)
