"""The app's own database connection: one lock around it, and the poll that feeds the live table.

aiosqlite runs every statement on its own thread, so the app's loop only
awaits. The lock matters because a statement sent while another task holds a
write transaction open (remove_documents does) would silently join it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

import aiosqlite

from docdesk.core.clock import now_ms
from docdesk.core.models import Document, Status
from docdesk.core.store import documents as document_store
from docdesk.core.store import provider_state, workers
from docdesk.core.store.connection import open_database
from docdesk.core.store.provider_state import ProviderState
from docdesk.core.store.workers import WorkerInfo

P = ParamSpec("P")
T = TypeVar("T")

# Rows are re-read for this long after the newest change already seen. A
# writer's timestamp can fall just behind it (another process's clock, or a
# row committed late within the same millisecond), and re-reading is cheap
# because unchanged rows are skipped by the table.
OVERLAP_MS = 2_000


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One poll: documents changed since the last poll, every id present, and the provider picture."""

    changed: list[Document]
    present_ids: set[str]
    counts: dict[Status, int]
    provider_states: list[ProviderState]
    live_workers: list[WorkerInfo]
    first: bool


class AppStore:
    """The app's connection, used only through `call` and `poll`."""

    def __init__(self, db_path: Path, worker_max_age_ms: int) -> None:
        self.db_path = db_path
        self._worker_max_age_ms = worker_max_age_ms
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._watermark: int | None = None

    async def open(self) -> None:
        self._db = await open_database(self.db_path)

    async def close(self) -> None:
        async with self._lock:
            if self._db is not None:
                await self._db.close()
                self._db = None

    @property
    def is_open(self) -> bool:
        return self._db is not None

    async def call(
        self,
        operation: Callable[Concatenate[aiosqlite.Connection, P], Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run one store function on the app's connection under the lock."""
        async with self._lock:
            return await operation(self._require_open(), *args, **kwargs)

    async def poll(self) -> Snapshot:
        first = self._watermark is None
        since = None if self._watermark is None else self._watermark - OVERLAP_MS
        async with self._lock:
            db = self._require_open()
            changed = await document_store.list_documents(db, updated_after=since)
            present = await document_store.list_ids(db)
            counts = await document_store.count_by_status(db)
            states = await provider_state.read_all_states(db)
            live = await workers.live_workers(db, self._worker_max_age_ms)
        self._advance_watermark(changed)
        return Snapshot(changed, present, counts, states, live, first)

    def _advance_watermark(self, changed: list[Document]) -> None:
        newest = max((d.updated_at or d.created_at for d in changed), default=0)
        # A time ahead of this machine's clock (another host's skew) must not move the
        # watermark past changes still to come, so the watermark never passes "now".
        newest = min(newest, now_ms())
        self._watermark = max(newest, self._watermark or 0)

    def _require_open(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("the app's database connection is closed")
        return self._db
