"""Explicit write transactions on a connection opened in autocommit mode."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiosqlite


@asynccontextmanager
async def write_transaction(db: aiosqlite.Connection) -> AsyncIterator[aiosqlite.Connection]:
    """Run the block in BEGIN IMMEDIATE ... COMMIT, rolling back on any exception.

    IMMEDIATE takes the write lock up front, so two processes cannot both read
    a row and then race to update it. The busy timeout makes the second one wait.
    """
    await db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        await db.execute("ROLLBACK")
        raise
    await db.execute("COMMIT")
