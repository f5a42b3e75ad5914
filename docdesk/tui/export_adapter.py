"""The one place the app calls the core export (`build_export`), and writes its text to a file.

An `ExportSession` belongs to one export dialog. It runs its own event loop on a
daemon thread, which owns the session's database connection and, once a query
needs it, its own embedding provider. The provider's HTTP client is bound to the
loop it was created on, so every build of the session runs on that one loop.
Textual thread workers call the blocking `build` and `write`, so the app's
thread never waits for the database, the provider or the disk.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeoutError
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from docdesk.core.errors import DocdeskError
from docdesk.core.export import ExportFormat, ExportProviderError, ExportRequest, ExportSelectionError, build_export
from docdesk.core.export import ExportResult as BuiltExport
from docdesk.core.export.output_file import write_export_file
from docdesk.core.providers.base import EmbeddingProvider
from docdesk.core.providers.factory import create_provider
from docdesk.core.settings import Settings
from docdesk.core.store.connection import open_database

log = logging.getLogger(__name__)

T = TypeVar("T")

# How often a waiting thread worker checks whether Textual cancelled it.
_CANCEL_CHECK_SECONDS = 0.1

NOTHING_TICKED = "nothing to export: tick ready documents in the Use column first"


class ExportWriteError(DocdeskError):
    """The output file could not be written. The message names it and what to do."""


@dataclass(frozen=True, slots=True)
class ExportResult:
    """A written export: its output path, the number of documents in it and its estimated token count.

    The app's worker handler recognises this type, so keep its name.
    """

    path: Path
    documents: int
    token_count: int


class ExportSession:
    """Builds exports of the ticked documents for one dialog. Call `close` when the dialog closes."""

    def __init__(self, settings: Settings, doc_ids: list[str]) -> None:
        self._settings = settings
        self._doc_ids = tuple(doc_ids)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._closed = False
        # Only touched on the session's loop.
        self._db: aiosqlite.Connection | None = None
        self._provider: EmbeddingProvider | None = None
        self._provider_problem: str | None = None
        self._provider_created = False
        self._build_lock: asyncio.Lock | None = None

    @property
    def doc_ids(self) -> tuple[str, ...]:
        return self._doc_ids

    def request(self, query: str, max_tokens: int, format: str) -> ExportRequest:
        """Return the request for the ticked documents; raises ValueError when max_tokens is below 1."""
        return ExportRequest(doc_ids=self._doc_ids, query=query or None, max_tokens=max_tokens,
                             format=ExportFormat(format))

    def build(self, request: ExportRequest, cancelled: Callable[[], bool] = lambda: False) -> BuiltExport:
        """Build the export on the session's loop and wait for it. Blocks, so call it from a thread worker.

        Raises ExportSelectionError when nothing is ticked or a ticked document is no longer
        ready, the other ExportErrors of `build_export`, and the provider's ProviderError.
        When `cancelled()` turns true, the build is cancelled and CancelledError is raised.
        """
        if not self._doc_ids:
            # build_export would take an empty selection to mean every ready document.
            raise ExportSelectionError(NOTHING_TICKED)
        return self._wait(self._build(request), cancelled)

    def write(
        self, request: ExportRequest, output: Path, cancelled: Callable[[], bool] = lambda: False
    ) -> ExportResult:
        """Build the export and write its text to `output` whole, readable by its owner only. Blocks.

        Raises what `build` raises, and ExportWriteError when the file cannot be written.
        """
        result = self.build(request, cancelled)
        try:
            write_export_file(output, result.text)
        except OSError as error:
            raise ExportWriteError(
                f"cannot write {output}: {error.strerror or error}. Choose another output path."
            ) from None
        return ExportResult(output, len(result.documents), result.token_count)

    def close(self) -> None:
        """Close the provider and the database connection on the loop, then stop it. Does not wait."""
        with self._start_lock:
            self._closed = True
            loop = self._loop
        if loop is not None:
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop)

    # The session's loop

    def _wait(self, work: Coroutine[Any, Any, T], cancelled: Callable[[], bool]) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(work, self._running_loop())
        while True:
            try:
                return future.result(timeout=_CANCEL_CHECK_SECONDS)
            except FutureTimeoutError:
                if cancelled():
                    future.cancel()
                    raise asyncio.CancelledError from None

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._start_lock:
            if self._closed:
                raise ExportSelectionError("the export dialog is closed")
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(target=_serve, args=(self._loop,), name="export session", daemon=True)
                self._thread.start()
            return self._loop

    async def _build(self, request: ExportRequest) -> BuiltExport:
        if self._build_lock is None:
            self._build_lock = asyncio.Lock()
        # One build at a time: they share the connection, and each runs in its own read transaction.
        async with self._build_lock:
            if self._db is None:
                self._db = await open_database(self._settings.resolved_db_path, migrate_schema=False)
            provider = await self._query_provider() if request.topic is not None else None
            return await build_export(self._db, provider, request)

    async def _query_provider(self) -> EmbeddingProvider:
        """Create the provider on first use. A local model loads for seconds, so it loads on this loop's thread."""
        if not self._provider_created:
            choice = create_provider(self._settings)
            self._provider_created = True
            self._provider = choice.provider
            self._provider_problem = choice.problem
        if self._provider is None:
            raise ExportProviderError(f"a query needs the embedding provider: {self._provider_problem}")
        return self._provider

    async def _shutdown(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            if self._provider is not None:
                await self._provider.aclose()
            if self._db is not None:
                await self._db.close()
        except Exception:
            log.exception("closing the export session failed")
        finally:
            loop.call_soon(loop.stop)


def _serve(loop: asyncio.AbstractEventLoop) -> None:
    """Thread body: run the session's loop until `close` stops it, then close it."""
    try:
        loop.run_forever()
    finally:
        loop.close()
