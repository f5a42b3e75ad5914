"""Sustained embedding throughput of the real worker against rate limits on the fake server.

One run queues a corpus in a fresh database, starts the fake OpenAI server with
per-minute request and token limits, and runs the real `Worker` until the queue
is idle. The worker learns the limits from the server's `x-ratelimit-*`
headers, as it does by default.

The bound counts the server's initial buckets. Both buckets start full, so in
a window of `m` minutes from the first request to the last successful one, the
server can accept at most `RPM * (1 + m)` requests and `TPM * (1 + m)` tokens.
That caps the chunks at

    min(RPM * (1 + m) * inputs per request, TPM * (1 + m) / tokens per chunk)

with 2,048 inputs per request (OpenAI's limit) and the run's mean tokens per
chunk as the server counts them. No run can exceed this bound, except by
what refills between sending the last request and its arrival at the server.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.corpus import CorpusSpec, shared_files, write_corpus
from benchmarks.environment import API_KEY, openai_settings, queue_files, status_counts
from benchmarks.recording_provider import OK, RecordingProvider, RequestRecord
from docdesk.core.models import Status
from docdesk.core.providers.openai_provider import MAX_BATCH_INPUTS
from docdesk.core.worker.worker import Worker
from tests.support.fake_openai import FakeOpenAIServer, ServerStats, count_tokens

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Tier:
    """Rate limits on the fake server and the corpus sized to keep a run to a minute or two."""

    name: str
    requests_per_minute: int
    tokens_per_minute: int
    corpus: CorpusSpec
    timeout_seconds: float = 600.0
    # Why the corpus differs from the full one, for the results page.
    note: str = ""


@dataclass(frozen=True, slots=True)
class ThroughputRun:
    """Measurements of one run, with times in seconds from the first request."""

    tier: str
    documents: int
    chunks: int
    tokens: int
    requests: int
    rate_limited: int
    texts_sent_twice: int
    window_seconds: float
    bound_chunks: float
    completed: bool
    ready: int
    failed: int
    # (seconds, cumulative chunks) at each successful request, for the timeline plot.
    timeline: list[tuple[float, int]] = field(default_factory=list)

    @property
    def minutes(self) -> float:
        return max(self.window_seconds, 1e-6) / 60

    @property
    def chunks_per_minute(self) -> float:
        return self.chunks / self.minutes

    @property
    def bound_per_minute(self) -> float:
        return self.bound_chunks / self.minutes

    @property
    def ratio(self) -> float:
        return self.chunks / self.bound_chunks if self.bound_chunks else 0.0

    @property
    def rate_limited_share(self) -> float:
        return self.rate_limited / self.requests if self.requests else 0.0

    @property
    def requests_per_chunk(self) -> float:
        return self.requests / self.chunks if self.chunks else 0.0

    @property
    def tokens_per_chunk(self) -> float:
        return self.tokens / self.chunks if self.chunks else 0.0


def chunk_bound(tier: Tier, minutes: float, tokens_per_chunk: float) -> float:
    """Most chunks the server can accept in `minutes` from full buckets (see the module docstring)."""
    by_requests = tier.requests_per_minute * (1 + minutes) * MAX_BATCH_INPUTS
    if tokens_per_chunk <= 0:
        return by_requests
    return min(by_requests, tier.tokens_per_minute * (1 + minutes) / tokens_per_chunk)


def corpus_paths(tier: Tier, folder: Path) -> list[Path]:
    """Write the tier's generated documents into `folder` and add the shared corpus files."""
    extra = shared_files() if tier.corpus.include_shared else []
    return write_corpus(tier.corpus, folder) + extra


async def run_tier(tier: Tier, paths: list[Path]) -> ThroughputRun:
    """Queue `paths` in a fresh database and run the worker on them against the tier's limits."""
    with tempfile.TemporaryDirectory(prefix="docdesk-bench-") as scratch:
        folder = Path(scratch)
        server = FakeOpenAIServer(
            api_key=API_KEY,
            requests_per_minute=tier.requests_per_minute,
            tokens_per_minute=tier.tokens_per_minute,
        )
        with server:
            settings = openai_settings(folder, server.base_url)
            documents = await queue_files(settings, paths)
            provider = RecordingProvider(
                API_KEY, base_url=server.base_url, timeout_seconds=settings.request_timeout_seconds
            )
            completed = True
            try:
                await asyncio.wait_for(Worker(settings, provider).run(until_idle=True), tier.timeout_seconds)
            except TimeoutError:
                log.warning("tier %s did not finish within %.0f s; counting what was done", tier.name,
                            tier.timeout_seconds)
                completed = False
            finally:
                await provider.aclose()
            stats = server.stats()
        counts = await status_counts(settings)
    return _summarize(tier, documents, provider.records, stats, completed, counts)


def _summarize(
    tier: Tier,
    documents: int,
    records: list[RequestRecord],
    stats: ServerStats,
    completed: bool,
    counts: dict[Status, int],
) -> ThroughputRun:
    successes = sorted((r for r in records if r.outcome == OK), key=lambda r: r.sent_at)
    start = min((r.sent_at for r in records), default=0.0)
    end = successes[-1].sent_at if successes else start
    chunks = len(stats.embedded)
    tokens = sum(count_tokens(text) for text in stats.embedded)
    window = end - start
    tokens_per_chunk = tokens / chunks if chunks else 0.0
    timeline: list[tuple[float, int]] = [(0.0, 0)]
    total = 0
    for record in successes:
        total += record.inputs
        timeline.append((record.sent_at - start, total))
    return ThroughputRun(
        tier=tier.name,
        documents=documents,
        chunks=chunks,
        tokens=tokens,
        requests=stats.requests,
        rate_limited=stats.status_count(429),
        texts_sent_twice=len(stats.embedded_twice),
        window_seconds=window,
        bound_chunks=chunk_bound(tier, max(window, 1e-6) / 60, tokens_per_chunk),
        completed=completed,
        ready=counts[Status.READY],
        failed=counts[Status.ERROR],
        timeline=timeline,
    )


async def measure_tier(tier: Tier, runs: int) -> list[ThroughputRun]:
    """Run the tier `runs` times on one generated corpus."""
    with tempfile.TemporaryDirectory(prefix="docdesk-corpus-") as scratch:
        paths = corpus_paths(tier, Path(scratch))
        results = []
        for index in range(runs):
            started = time.monotonic()
            result = await run_tier(tier, paths)
            log.info("tier %s run %d: ratio %.3f in %.0f s", tier.name, index + 1, result.ratio,
                     time.monotonic() - started)
            results.append(result)
        return results
