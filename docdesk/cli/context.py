"""Helpers shared by the sub-commands: opening the database and printing errors."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiosqlite

from docdesk.core.settings import Settings
from docdesk.core.store.connection import open_database


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[aiosqlite.Connection]:
    db = await open_database(settings.resolved_db_path)
    try:
        yield db
    finally:
        await db.close()


def error(message: str) -> None:
    """Print a user-facing error line to stderr (never a traceback)."""
    print(f"docdesk: {message}", file=sys.stderr)
