"""A re-implementation of docdesk's original worker loop, measured for comparison.

The original loop woke every 2 minutes and took 5 queued documents. It
embedded each chunk in its own request, one request at a time, and retried a
429 three times in-process, after 1, 2 and 4 seconds. A chunk still rate
limited after that gave its document back to the queue for a later tick. It
had no embedding cache, so a document given back sends its texts again.

Real 2-minute ticks would take hours, so the benchmark compresses time. Each
tick's work runs in real time against the tier's limits. Then the server's
buckets are reset to full, which is what the idle rest of a real 2-minute tick
does whenever the work took under 60 seconds, because a bucket refills in one
minute. The next tick starts at once. The throughput at the real tick is then
computed from the measured chunks per tick: chunks / sum over ticks of
max(120 s, work time).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiosqlite
import numpy as np
import numpy.typing as npt

from benchmarks.environment import API_KEY, openai_settings, queue_files
from benchmarks.recording_provider import OK, RATE_LIMITED, RecordingProvider
from benchmarks.throughput import Tier
from docdesk.core.chunking.chunker import chunk_pages
from docdesk.core.errors import ExtractionError
from docdesk.core.extraction.extract import extract_file
from docdesk.core.models import Document
from docdesk.core.providers.errors import RateLimitedError
from docdesk.core.providers.openai_provider import MAX_BATCH_INPUTS
from docdesk.core.store import queue
from docdesk.core.store.chunks import ReadyResult, save_ready
from docdesk.core.store.connection import open_database
from tests.support.fake_openai import FakeOpenAIServer, count_tokens

TICK_SECONDS = 120.0
DOCUMENTS_PER_TICK = 5
RETRY_WAITS_SECONDS = (1.0, 2.0, 4.0)
_WORKER_ID = "original-loop"
_LEASE_MS = 600_000
_CHUNK_TOKENS = 700


@dataclass(frozen=True, slots=True)
class Tick:
    """One tick of the original loop."""

    documents: int
    ready: int
    not_ready: int
    chunks: int
    requests: int
    rate_limited: int
    work_seconds: float


@dataclass(frozen=True, slots=True)
class OriginalRun:
    tier: str
    ticks: list[Tick]
    tokens_per_chunk: float
    texts_sent_twice: int
    long_run_bound_per_minute: float

    @property
    def chunks(self) -> int:
        return sum(tick.chunks for tick in self.ticks)

    @property
    def requests(self) -> int:
        return sum(tick.requests for tick in self.ticks)

    @property
    def rate_limited(self) -> int:
        return sum(tick.rate_limited for tick in self.ticks)

    @property
    def max_work_seconds(self) -> float:
        return max((tick.work_seconds for tick in self.ticks), default=0.0)

    @property
    def chunks_per_minute(self) -> float:
        """Throughput at the real 2-minute tick, computed from the measured ticks."""
        real_seconds = sum(max(TICK_SECONDS, tick.work_seconds) for tick in self.ticks)
        return self.chunks / (real_seconds / 60) if real_seconds else 0.0

    @property
    def ratio(self) -> float:
        bound = self.long_run_bound_per_minute
        return self.chunks_per_minute / bound if bound else 0.0

    @property
    def rate_limited_share(self) -> float:
        return self.rate_limited / self.requests if self.requests else 0.0

    @property
    def requests_per_chunk(self) -> float:
        return self.requests / self.chunks if self.chunks else 0.0


def long_run_bound(tier: Tier, tokens_per_chunk: float) -> float:
    """Chunks per minute the limits allow over hours, when the initial buckets no longer matter."""
    by_requests = float(tier.requests_per_minute * MAX_BATCH_INPUTS)
    if tokens_per_chunk <= 0:
        return by_requests
    return min(by_requests, tier.tokens_per_minute / tokens_per_chunk)


async def run_original(tier: Tier, paths: list[Path], ticks: int) -> OriginalRun:
    """Queue `paths` in a fresh database and run `ticks` compressed ticks of the original loop."""
    with tempfile.TemporaryDirectory(prefix="docdesk-original-") as scratch:
        folder = Path(scratch)
        server = FakeOpenAIServer(api_key=API_KEY)
        with server:
            settings = openai_settings(folder, server.base_url)
            await queue_files(settings, paths)
            provider = RecordingProvider(API_KEY, base_url=server.base_url, timeout_seconds=60.0)
            db = await open_database(settings.resolved_db_path)
            try:
                measured = [await _tick(db, provider, server, tier) for _ in range(ticks)]
            finally:
                await db.close()
                await provider.aclose()
            stats = server.stats()
    chunks = len(stats.embedded)
    tokens = sum(count_tokens(text) for text in stats.embedded)
    tokens_per_chunk = tokens / chunks if chunks else 0.0
    return OriginalRun(
        tier=tier.name,
        ticks=measured,
        tokens_per_chunk=tokens_per_chunk,
        texts_sent_twice=len(stats.embedded_twice),
        long_run_bound_per_minute=long_run_bound(tier, tokens_per_chunk),
    )


async def _tick(db: aiosqlite.Connection, provider: RecordingProvider, server: FakeOpenAIServer, tier: Tier) -> Tick:
    # Full buckets: what the idle rest of the previous 2-minute tick would leave.
    server.set_rate_limits(tier.requests_per_minute, tier.tokens_per_minute)
    first_record = len(provider.records)
    started = time.monotonic()
    documents: list[Document] = []
    while len(documents) < DOCUMENTS_PER_TICK:
        doc = await queue.claim_next(db, _WORKER_ID, _LEASE_MS)
        if doc is None:
            break
        documents.append(doc)
    ready = 0
    for doc in documents:
        ready += int(await _process(db, provider, doc))
    work_seconds = time.monotonic() - started
    records = provider.records[first_record:]
    return Tick(
        documents=len(documents),
        ready=ready,
        not_ready=len(documents) - ready,
        chunks=sum(r.inputs for r in records if r.outcome == OK),
        requests=len(records),
        rate_limited=sum(1 for r in records if r.outcome == RATE_LIMITED),
        work_seconds=work_seconds,
    )


async def _process(db: aiosqlite.Connection, provider: RecordingProvider, doc: Document) -> bool:
    """Extract, chunk and embed one document chunk by chunk, and return True when it became ready."""
    try:
        extracted = await asyncio.to_thread(extract_file, Path(doc.storage_path), doc.mime or "")
    except ExtractionError as error:
        await queue.mark_error(db, doc.id, _WORKER_ID, str(error))
        return False
    chunks = chunk_pages(extracted.pages, _CHUNK_TOKENS, provider.count_tokens)
    rows = []
    for chunk in chunks:
        row = await _embed_one(provider, chunk.text)
        if row is None:
            await queue.return_to_queue(
                db, doc.id, _WORKER_ID, reason="rate limited", next_retry_at=None, count_retry=True
            )
            return False
        rows.append(row)
    result = ReadyResult(
        chunks=chunks,
        vectors=np.vstack(rows).astype(np.float32),
        model=provider.model,
        page_count=None,
        file_title=extracted.title,
    )
    await save_ready(db, doc.id, _WORKER_ID, result)
    return True


async def _embed_one(provider: RecordingProvider, text: str) -> npt.NDArray[np.float32] | None:
    """Send one request for one text and retry a 429 three times in-process; None when all four failed."""
    for wait in (*RETRY_WAITS_SECONDS, None):
        try:
            vectors = await provider.embed([text])
        except RateLimitedError:
            if wait is None:
                return None
            await asyncio.sleep(wait)
        else:
            row: npt.NDArray[np.float32] = vectors[0]
            return row
    return None
