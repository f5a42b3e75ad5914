"""Chunks embedded per minute, from the workers' `chunks_embedded` counters, and time left for the queue."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from docdesk.core.models import Document, Status
from docdesk.core.store.workers import WorkerInfo

WINDOW_MS = 60_000


class ThroughputMeter:
    """Sums each worker's counter increases over the last minute.

    Counters are per worker and start at zero, so a worker that restarts (a new
    id) or disappears adds nothing negative to the total.
    """

    def __init__(self, window_ms: int = WINDOW_MS) -> None:
        self._window_ms = window_ms
        self._last: dict[str, int] = {}
        self._increments: deque[tuple[int, int]] = deque()
        self._first_sample_ms: int | None = None

    def update(self, live_workers: Iterable[WorkerInfo], now_ms: int) -> None:
        added = 0
        seen: dict[str, int] = {}
        for worker in live_workers:
            seen[worker.id] = worker.chunks_embedded
            previous = self._last.get(worker.id)
            if previous is not None and worker.chunks_embedded > previous:
                added += worker.chunks_embedded - previous
        self._last = seen
        if self._first_sample_ms is None:
            self._first_sample_ms = now_ms
        if added:
            self._increments.append((now_ms, added))
        while self._increments and self._increments[0][0] < now_ms - self._window_ms:
            self._increments.popleft()

    def chunks_per_minute(self, now_ms: int) -> float | None:
        """Chunks per minute over the window, or None before a few seconds of samples exist."""
        if self._first_sample_ms is None:
            return None
        observed_ms = min(self._window_ms, now_ms - self._first_sample_ms)
        if observed_ms < 5_000:
            return None
        total = sum(count for _, count in self._increments)
        return total * 60_000 / observed_ms


def remaining_chunks(documents: Iterable[Document]) -> int | None:
    """Estimate the chunks still to embed: exact for documents mid-embedding, else the ready average.

    Returns None when queued documents exist but no ready document gives an average.
    """
    ready_chunks = ready_count = 0
    known = 0
    unknown_documents = 0
    for document in documents:
        if document.status is Status.READY:
            ready_chunks += document.chunk_count
            ready_count += 1
        elif document.status is Status.PROCESSING and document.progress_total:
            known += document.progress_total - document.progress_done
        elif document.status in (Status.QUEUED, Status.PROCESSING):
            unknown_documents += 1
    if unknown_documents == 0:
        return known
    if ready_count == 0:
        return None
    return known + round(unknown_documents * ready_chunks / ready_count)


def seconds_left(chunks: int | None, per_minute: float | None) -> float | None:
    """Estimated seconds to embed `chunks` at `per_minute`, or None when either is unknown."""
    if chunks is None or not per_minute:
        return None
    return chunks * 60 / per_minute
