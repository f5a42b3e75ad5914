"""The worker loop: claim due documents, run them concurrently, keep leases alive, stop cleanly.

Runs headless (`docdesk worker`) or on a thread inside the app; several
workers, in one process or many, may share a database.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from contextlib import suppress

import aiosqlite
import numpy as np
import numpy.typing as npt

from docdesk.core.clock import now_ms
from docdesk.core.extraction.runner import ExtractionRunner
from docdesk.core.intake.storage import remove_stale_incoming
from docdesk.core.models import Document
from docdesk.core.providers.base import EmbeddingProvider
from docdesk.core.settings import Settings
from docdesk.core.store import cache, provider_state, queue, workers
from docdesk.core.store.connection import open_database
from docdesk.core.worker.document_job import process_document
from docdesk.core.worker.embedder import Embedder
from docdesk.core.worker.events import EventSink, ProviderStateChanged, WorkerStopped
from docdesk.core.worker.pause_gate import Gate, check_gate, record_success
from docdesk.core.worker.rate_limiter import RequestLimiter
from docdesk.core.worker.runtime import WorkerRuntime

log = logging.getLogger(__name__)


def provider_key(provider: EmbeddingProvider) -> str:
    """Key of the provider's shared pause state: provider name and model, e.g. `openai:text-embedding-3-small`."""
    if provider.model.startswith(f"{provider.name}:"):
        return provider.model
    return f"{provider.name}:{provider.model}"


class Worker:
    """A retry worker bound to one database and one provider."""

    def __init__(self, settings: Settings, provider: EmbeddingProvider, events: EventSink | None = None) -> None:
        self.settings = settings
        self.provider = provider
        self.events = events
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._active: dict[str, asyncio.Task[None]] = {}
        self._wake: asyncio.Event | None = None

    @property
    def max_in_flight(self) -> int:
        """Documents in hand at once: enough to keep every extraction process busy and to fill large requests."""
        return max(128, 4 * self.settings.resolved_extraction_workers, self.settings.max_concurrent_requests)

    @property
    def _request_concurrency(self) -> int:
        """Requests in flight: the setting, or fewer when the provider reports that more would not help."""
        provider_limit = getattr(self.provider, "max_concurrency", None)
        if isinstance(provider_limit, int):
            return max(1, min(self.settings.max_concurrent_requests, provider_limit))
        return self.settings.max_concurrent_requests

    def _expect_dimension(self, size: int) -> None:
        expect = getattr(self.provider, "expect_dimension", None)
        if expect is not None:
            expect(size)

    def request_stop(self) -> None:
        """Ask the loop to stop; safe to call from any thread."""
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)

    async def run(self, *, until_idle: bool = False) -> None:
        """Process documents until stopped (or, with `until_idle`, until none is queued or processing)."""
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        db = await open_database(self.settings.resolved_db_path)
        runner = ExtractionRunner(
            workers=self.settings.resolved_extraction_workers,
            timeout_seconds=self.settings.extraction_timeout_seconds,
        )
        rt = self._runtime(db, runner)
        stored_dimension = await rt.call(cache.known_dimension, self.provider.model)
        if stored_dimension is not None:
            self._expect_dimension(stored_dimension)
        leftovers = await asyncio.to_thread(remove_stale_incoming, self.settings.resolved_storage_dir)
        if leftovers:
            log.info("removed %d temporary copies left by an interrupted intake", leftovers)
        embedder_task = asyncio.create_task(rt.embedder.run())
        heartbeat_task = asyncio.create_task(self._heartbeat(rt))
        error: str | None = None
        try:
            await rt.call(workers.register, self.worker_id, self._provider_key)
            log.info(
                "worker %s started on %s with %s", self.worker_id, self.settings.resolved_db_path, self._provider_key
            )
            await self._loop_until_stopped(rt, until_idle)
        except Exception as failure:
            error = f"worker stopped by an internal error: {failure}"
            log.exception("worker %s stopped by an internal error", self.worker_id)
            raise
        finally:
            await self._shutdown(rt, [embedder_task, heartbeat_task])
            await db.close()
            if self.events is not None:
                self.events(WorkerStopped(error))
            log.info("worker %s stopped", self.worker_id)

    @property
    def _provider_key(self) -> str:
        return provider_key(self.provider)

    def _runtime(self, db: aiosqlite.Connection, runner: ExtractionRunner) -> WorkerRuntime:
        rt: WorkerRuntime
        limiter = RequestLimiter(self.settings.requests_per_minute, self.settings.tokens_per_minute)

        async def store_vectors(digests: list[str], vectors: npt.NDArray[np.float32]) -> None:
            await rt.call(cache.store, self.provider.model, digests, vectors)
            # Once vectors are stored, their size is the model's size for this database.
            self._expect_dimension(int(vectors.shape[1]))
            await rt.call(workers.add_embedded, self.worker_id, len(digests))

        async def on_success() -> None:
            await record_success(rt)

        async def on_rate_limited(wait: float) -> None:
            await rt.call(provider_state.set_rate_limited, self._provider_key, now_ms() + int(wait * 1000))
            rt.emit(ProviderStateChanged())

        embedder = Embedder(
            self.provider,
            max_concurrency=self._request_concurrency,
            limiter=limiter,
            on_vectors=store_vectors,
            on_success=on_success,
            on_rate_limited=on_rate_limited,
            more_coming=lambda: rt.preparing > 0,
        )
        rt = WorkerRuntime(
            worker_id=self.worker_id,
            settings=self.settings,
            db=db,
            provider=self.provider,
            provider_key=self._provider_key,
            embedder=embedder,
            runner=runner,
            events=self.events,
            secrets=(self.settings.openai_api_key,),
        )
        return rt

    async def _loop_until_stopped(self, rt: WorkerRuntime, until_idle: bool) -> None:
        assert self._stop is not None
        while not self._stop.is_set():
            gate, probe_at = await check_gate(rt)
            claimed = await self._claim(rt, gate)
            if claimed or self._active:
                await self._wait(self.settings.poll_seconds)
                continue
            if until_idle and not await rt.call(queue.has_unfinished):
                log.info("worker %s: queue is idle; exiting", self.worker_id)
                return
            await self._wait(await self._idle_wait(rt, probe_at))

    async def _claim(self, rt: WorkerRuntime, gate: Gate) -> int:
        if gate is Gate.CLOSED:
            return 0
        if gate is Gate.PROBE:
            if self._active:
                return 0
            rt.probing = True
            rt.embedder.reset_unavailable()
            limit = 1
        else:
            limit = self.max_in_flight - len(self._active)
        claimed = 0
        while claimed < limit:
            doc = await rt.call(queue.claim_next, self.worker_id, rt.lease_ms)
            if doc is None:
                break
            self._start(rt, doc)
            claimed += 1
        if gate is Gate.PROBE and not claimed:
            rt.probing = False
        return claimed

    def _start(self, rt: WorkerRuntime, doc: Document) -> None:
        task = asyncio.create_task(process_document(rt, doc), name=f"doc-{doc.id}")
        self._active[doc.id] = task

        def finished(_: asyncio.Task[None]) -> None:
            self._active.pop(doc.id, None)
            if self._wake is not None:
                self._wake.set()

        task.add_done_callback(finished)

    async def _idle_wait(self, rt: WorkerRuntime, probe_at: int | None) -> float:
        """Sleep until the next document is due or the next probe, but never longer than one poll."""
        due = await rt.call(queue.next_due_at)
        candidates = [t for t in (due, probe_at) if t is not None]
        if not candidates:
            return self.settings.poll_seconds
        return min(self.settings.poll_seconds, max(0.01, (min(candidates) - now_ms()) / 1000))

    async def _wait(self, seconds: float) -> None:
        assert self._stop is not None and self._wake is not None
        self._wake.clear()
        stop_wait = asyncio.create_task(self._stop.wait())
        wake_wait = asyncio.create_task(self._wake.wait())
        try:
            await asyncio.wait({stop_wait, wake_wait}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop_wait.cancel()
            wake_wait.cancel()

    async def _heartbeat(self, rt: WorkerRuntime) -> None:
        interval = max(0.2, self.settings.lease_seconds / 3)
        while True:
            await asyncio.sleep(interval)
            try:
                await rt.call(queue.renew_leases, self.worker_id, list(self._active), rt.lease_ms)
                await rt.call(workers.heartbeat, self.worker_id)
            except aiosqlite.Error:
                log.warning("worker %s: heartbeat failed; will retry", self.worker_id, exc_info=True)

    async def _shutdown(self, rt: WorkerRuntime, helpers: list[asyncio.Task[None]]) -> None:
        """Cancel documents in hand and give them back to the queue so they finish later."""
        in_hand = list(self._active)
        for task in self._active.values():
            task.cancel()
        await asyncio.gather(*self._active.values(), return_exceptions=True)
        for task in helpers:
            task.cancel()
        await asyncio.gather(*helpers, return_exceptions=True)
        rt.runner.close()
        with suppress(aiosqlite.Error):
            for doc_id in in_hand:
                await rt.call(queue.release, doc_id, self.worker_id)
            await rt.call(workers.unregister, self.worker_id)
        if in_hand:
            log.info("worker %s returned %d documents to the queue", self.worker_id, len(in_hand))
