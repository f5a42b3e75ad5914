"""State shared by every part of a running worker: its connection, provider, embedder and settings."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import aiosqlite

from docdesk.core.extraction.runner import ExtractionRunner
from docdesk.core.providers.base import EmbeddingProvider
from docdesk.core.settings import Settings
from docdesk.core.worker.embedder import Embedder
from docdesk.core.worker.events import EventSink, WorkerEvent

T = TypeVar("T")


@dataclass
class WorkerRuntime:
    """Shared state of one worker; `db_lock` serialises use of the single connection.

    Concurrent document tasks share one aiosqlite connection, and a statement
    issued while another task holds a write transaction open would silently join
    that transaction, so every database call takes the lock.
    """

    worker_id: str
    settings: Settings
    db: aiosqlite.Connection
    provider: EmbeddingProvider
    provider_key: str
    embedder: Embedder
    runner: ExtractionRunner
    events: EventSink | None = None
    secrets: tuple[str | None, ...] = ()
    db_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    probing: bool = False
    # Documents between claim and the end of chunking; their texts will reach the embedder soon.
    preparing: int = 0

    async def call(self, operation: Callable[..., Awaitable[T]], *args: object, **kwargs: object) -> T:
        """Run one store function on the shared connection under the lock."""
        async with self.db_lock:
            return await operation(self.db, *args, **kwargs)

    def emit(self, event: WorkerEvent) -> None:
        if self.events is not None:
            self.events(event)

    @property
    def lease_ms(self) -> int:
        return int(self.settings.lease_seconds * 1000)
