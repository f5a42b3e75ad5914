"""A read transaction, so that all reads of one export return the same state of the database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiosqlite


@asynccontextmanager
async def read_snapshot(db: aiosqlite.Connection) -> AsyncIterator[None]:
    """Run the block in one deferred transaction, so a worker saving a document meanwhile is seen whole or not at all.

    In WAL mode readers do not block writers. A caller's open transaction is used as it is.
    """
    if db.in_transaction:
        yield
        return
    await db.execute("BEGIN")
    try:
        yield
    except BaseException:
        await db.execute("ROLLBACK")
        raise
    await db.execute("COMMIT")
