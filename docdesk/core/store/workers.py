"""The registry of running workers, so the app can show who is working and how fast."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

import aiosqlite

from docdesk.core.clock import now_ms


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """A registered worker and its heartbeat."""

    id: str
    pid: int
    hostname: str
    provider_key: str | None
    started_at: int
    heartbeat_at: int
    chunks_embedded: int


async def register(db: aiosqlite.Connection, worker_id: str, provider_key: str) -> None:
    now = now_ms()
    await db.execute(
        "INSERT OR REPLACE INTO workers (id, pid, hostname, provider_key, started_at, heartbeat_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (worker_id, os.getpid(), socket.gethostname(), provider_key, now, now),
    )


async def heartbeat(db: aiosqlite.Connection, worker_id: str) -> None:
    await db.execute("UPDATE workers SET heartbeat_at = ? WHERE id = ?", (now_ms(), worker_id))


async def add_embedded(db: aiosqlite.Connection, worker_id: str, count: int) -> None:
    await db.execute(
        "UPDATE workers SET chunks_embedded = chunks_embedded + ?, heartbeat_at = ? WHERE id = ?",
        (count, now_ms(), worker_id),
    )


async def unregister(db: aiosqlite.Connection, worker_id: str) -> None:
    await db.execute("DELETE FROM workers WHERE id = ?", (worker_id,))


async def live_workers(db: aiosqlite.Connection, max_age_ms: int) -> list[WorkerInfo]:
    """Workers whose last heartbeat is at most `max_age_ms` old; older rows are crashed workers."""
    async with db.execute(
        "SELECT id, pid, hostname, provider_key, started_at, heartbeat_at, chunks_embedded "
        "FROM workers WHERE heartbeat_at >= ? ORDER BY started_at",
        (now_ms() - max_age_ms,),
    ) as cursor:
        rows = await cursor.fetchall()
    return [WorkerInfo(*row) for row in rows]
