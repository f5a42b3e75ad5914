"""Opening the database: pragmas, file permissions and migrations."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import aiosqlite

from docdesk.core.store.migrations import migrate

log = logging.getLogger(__name__)

# Long enough to ride out another process's write transaction (a batch of
# vectors is written in well under a second), short enough to surface a real deadlock.
BUSY_TIMEOUT_MS = 30_000


def _create_private_file(path: Path) -> None:
    """Create the database file readable by its owner only, before SQLite creates it with the umask."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)


async def open_database(path: Path, *, migrate_schema: bool = True) -> aiosqlite.Connection:
    """Open (creating if needed) the database at `path` and bring its schema up to date.

    Each thread or process must open its own connection; SQLite's WAL mode and the
    busy timeout let several of them read and write the same file.
    """
    _create_private_file(path)
    db = await aiosqlite.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    db.row_factory = aiosqlite.Row
    try:
        await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await db.execute("PRAGMA journal_mode = WAL")
        # In WAL mode NORMAL keeps the database consistent across power loss and
        # only risks the last commits before it; FULL would fsync every progress update.
        await db.execute("PRAGMA synchronous = NORMAL")
        await db.execute("PRAGMA foreign_keys = ON")
        if migrate_schema:
            await migrate(db)
    except BaseException:
        await db.close()
        raise
    return db
