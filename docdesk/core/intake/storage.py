"""docdesk's own copy of each added file, stored under the SHA-256 of its content.

Names come from the hash, never from the original file name, so no name can
escape the storage folder, and the source may later move or vanish.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path

_READ_SIZE = 1024 * 1024


def hash_file(path: Path) -> tuple[str, int]:
    """Return (SHA-256 hex digest, size in bytes) of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while block := handle.read(_READ_SIZE):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def stored_path_for(storage_dir: Path, content_hash: str, suffix: str) -> Path:
    return storage_dir / content_hash[:2] / f"{content_hash}{suffix}"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def store_copy(source: Path, storage_dir: Path, content_hash: str, suffix: str) -> Path:
    """Copy `source` into storage atomically (temporary file, fsync, rename); return the stored path.

    A crash leaves either no stored file or a complete one, never a partial file
    under the final name. An already stored copy is reused.
    """
    target = stored_path_for(storage_dir, content_hash, suffix)
    if target.exists():
        return target
    # mkdir(parents=True) applies `mode` to the last folder only, so the storage folder is
    # created first. It contains copies of the user's files, so only the user may list it.
    storage_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    target.parent.mkdir(exist_ok=True, mode=0o700)
    digest = hashlib.sha256()
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            while block := src.read(_READ_SIZE):
                digest.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != content_hash:
            raise OSError(f"{source.name} changed while it was being copied; add it again")
        os.chmod(temp_name, 0o600)
        os.replace(temp_name, target)
        _fsync_dir(target.parent)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return target


# Older than any copy still in progress; a leftover this old belongs to a killed intake.
STALE_INCOMING_SECONDS = 3600


def remove_stale_incoming(storage_dir: Path, older_than_seconds: float = STALE_INCOMING_SECONDS) -> int:
    """Delete temporary copies left by an intake that was killed mid-copy; return how many."""
    if not storage_dir.is_dir():
        return 0
    cutoff = time.time() - older_than_seconds
    removed = 0
    for leftover in storage_dir.glob("*/.incoming-*"):
        try:
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed
