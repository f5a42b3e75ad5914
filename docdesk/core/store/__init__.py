"""SQLite persistence through aiosqlite: one connection per thread or process, WAL mode."""

from docdesk.core.store.connection import open_database

__all__ = ["open_database"]
