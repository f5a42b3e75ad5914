"""Run extraction in worker processes with a time and a memory limit per document.

A damaged PDF can make pypdf loop or allocate without end, so each document runs in a
pebble ProcessPool worker that is killed after `timeout_seconds` and cannot grow past
`memory_limit_mb` of address space. Workers start with "spawn", never "fork", because
forking a process that runs threads (a Textual app does) can copy a held lock into the
child and deadlock it.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
from concurrent.futures import Future
from pathlib import Path
from types import TracebackType

from pebble import ProcessExpired, ProcessPool

from docdesk.core.errors import ExtractionError
from docdesk.core.extraction.extract import extract_file
from docdesk.core.extraction.pool_worker import (
    ExtractFunction,
    TaskOutcome,
    init_worker,
    run_task,
)
from docdesk.core.models import Extracted

logger = logging.getLogger(__name__)


class ExtractionRunner:
    """Runs `extract_file` in a pool of worker processes, awaitable from asyncio.

    A timeout, a crash or a memory error fails only that document. pebble replaces the
    worker, and the pool keeps serving other documents. Worker log records are replayed
    into this process's logging, at the root level in force when the runner was made.
    """

    def __init__(
        self,
        workers: int = os.cpu_count() or 1,
        timeout_seconds: float = 120,
        memory_limit_mb: int = 2048,
        *,
        target: ExtractFunction = extract_file,
    ) -> None:
        """Create the pool. Its worker processes start with the first document.

        `target` is the function run in the worker. It must be importable by name in a
        fresh interpreter. Tests replace it to simulate crashes.
        """
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        if timeout_seconds <= 0:
            raise ValueError(f"timeout_seconds must be positive, got {timeout_seconds}")
        if memory_limit_mb < 1:
            raise ValueError(f"memory_limit_mb must be at least 1, got {memory_limit_mb}")

        self._workers = workers
        self._timeout_seconds = timeout_seconds
        self._memory_limit_mb = memory_limit_mb
        self._target = target
        self._log_level = logging.getLogger().getEffectiveLevel()
        self._pending: set[Future[TaskOutcome]] = set()
        self._closed = False
        self._pool = self._new_pool()

    async def extract(self, path: Path, mime: str) -> Extracted:
        """Extract a file in a worker process without blocking the event loop.

        Raises ExtractionError for the file's own problems, a timeout, running out of
        memory or a crashed worker. Cancelling the awaiting task kills its worker.
        """
        future = self._usable_pool().schedule(run_task, args=(self._target, path, mime), timeout=self._timeout_seconds)
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)

        try:
            outcome = await asyncio.wrap_future(future)
        except TimeoutError as exc:
            logger.warning("Extraction of %s timed out after %g s", path.name, self._timeout_seconds)
            raise ExtractionError(
                f"extraction timed out after {self._timeout_seconds:g} s (the file may be damaged)"
            ) from exc
        except ProcessExpired as exc:
            logger.warning("Extraction worker for %s died with exit code %s", path.name, exc.exitcode)
            raise ExtractionError(self._expired_reason(exc.exitcode)) from exc

        _replay_log_records(outcome.log_records)
        if outcome.error is not None:
            raise outcome.error
        if outcome.extracted is None:
            raise ExtractionError("extraction returned no result")
        return outcome.extracted

    def close(self) -> None:
        """Cancel pending extractions and stop the worker processes, blocking until they exit."""
        self._closed = True
        for future in list(self._pending):
            future.cancel()
        self._stop_pool()

    def __enter__(self) -> ExtractionRunner:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _new_pool(self) -> ProcessPool:
        return ProcessPool(
            max_workers=self._workers,
            initializer=init_worker,
            initargs=(self._memory_limit_mb, self._log_level),
            context=multiprocessing.get_context("spawn"),
        )

    def _usable_pool(self) -> ProcessPool:
        """Return the pool, replacing it first if pebble marked it broken.

        pebble breaks a pool for good when a worker dies with no task to blame, for
        example while starting, so the runner starts a new one instead.
        """
        if self._closed:
            raise RuntimeError("ExtractionRunner is closed")
        if not self._pool.active:
            logger.warning("Extraction process pool is broken; starting a new one")
            self._stop_pool()
            self._pool = self._new_pool()
        return self._pool

    def _stop_pool(self) -> None:
        self._pool.stop()  # type: ignore[no-untyped-call]  # pebble leaves stop() unannotated
        self._pool.join()

    @staticmethod
    def _expired_reason(exitcode: int | None) -> str:
        if exitcode is None or exitcode >= 0:
            return f"extraction process exited unexpectedly (exit code {exitcode})"
        signal_name = _signal_name(-exitcode)
        if signal_name == "SIGKILL":
            # The kernel's out-of-memory killer sends SIGKILL, and so may a user.
            return (
                "extraction process was killed (SIGKILL), probably for running out of "
                "memory; the file may be damaged or too large"
            )
        return f"extraction process crashed ({signal_name})"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _replay_log_records(records: list[logging.LogRecord]) -> None:
    for record in records:
        logging.getLogger(record.name).handle(record)
