"""Batches embedding requests across documents and sends each distinct text once.

Documents call `embed(texts)` concurrently. One loop packs their texts into
requests within the provider's input and token limits, sends them with bounded
concurrency, and hands each document its own rows back. A text already waiting
or in flight is not sent a second time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from docdesk.core.providers.base import EmbeddingProvider
from docdesk.core.providers.errors import (
    InvalidInputError,
    ProviderUnavailableError,
    RateLimitedError,
    TransientProviderError,
)
from docdesk.core.store.chunks import text_hash
from docdesk.core.worker.rate_limiter import RequestLimiter
from docdesk.core.worker.retry_policy import rate_limit_wait

log = logging.getLogger(__name__)

Vector = npt.NDArray[np.float32]
VectorsSink = Callable[[list[str], npt.NDArray[np.float32]], Awaitable[None]]


@dataclass(eq=False)
class _Item:
    digest: str
    text: str
    tokens: int
    enqueued_at: float = field(default_factory=time.monotonic)
    waiters: list[asyncio.Future[Vector]] = field(default_factory=list)


@dataclass
class EmbedderStats:
    """Counters for logs, the app's throughput display and benchmarks."""

    requests: int = 0
    texts_sent: int = 0
    rate_limited: int = 0
    failures: int = 0


class Embedder:
    """Cross-document request batching with rate limiting, 429 handling and 400 isolation."""

    def __init__(
        self,
        provider: EmbeddingProvider,
        *,
        max_concurrency: int,
        limiter: RequestLimiter,
        on_vectors: VectorsSink | None = None,
        on_success: Callable[[], Awaitable[None]] | None = None,
        on_rate_limited: Callable[[float], Awaitable[None]] | None = None,
        more_coming: Callable[[], bool] | None = None,
        linger_seconds: float = 0.02,
        max_linger_seconds: float = 1.0,
    ) -> None:
        self._provider = provider
        self._limiter = limiter
        self._on_vectors = on_vectors
        self._on_success = on_success
        self._on_rate_limited = on_rate_limited
        self._linger = linger_seconds
        self._max_linger = max_linger_seconds
        self._more_coming = more_coming
        self._slots = asyncio.Semaphore(max_concurrency)
        self._pending: deque[_Item] = deque()
        self._by_digest: dict[str, _Item] = {}
        self._wakeup = asyncio.Event()
        self._unavailable: ProviderUnavailableError | None = None
        self._consecutive_429s = 0
        self._tasks: set[asyncio.Task[None]] = set()
        # Until the provider first replies, its token limit may be unknown, and a full-size
        # batch could exceed the whole limit, which the provider rejects every time. So the
        # first request carries one input, and no other is sent until its reply's
        # `x-ratelimit-*` headers have set the limiter.
        self._limits_unknown = limiter.max_request_tokens is None and hasattr(provider, "rate_limit_info")
        self._first_request_out = False
        self.stats = EmbedderStats()

    @property
    def unavailable(self) -> ProviderUnavailableError | None:
        """The provider-wide failure in force, or None."""
        return self._unavailable

    def set_unavailable(self, error: ProviderUnavailableError) -> None:
        """Fail new requests at once with `error` (a pause another process started)."""
        self._unavailable = error

    def reset_unavailable(self) -> None:
        """Let requests through again, e.g. to send a probe after a pause."""
        self._unavailable = None

    async def embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """Return one vector per text, in order; raises the provider error that failed them."""
        if self._unavailable is not None:
            raise self._unavailable
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[Vector]] = []
        for text in texts:
            future: asyncio.Future[Vector] = loop.create_future()
            self._enqueue(text, future)
            futures.append(future)
        self._wakeup.set()
        results = await asyncio.gather(*futures, return_exceptions=True)
        rows: list[Vector] = []
        for result in results:
            if isinstance(result, BaseException):
                raise result
            rows.append(result)
        return np.vstack(rows).astype(np.float32) if rows else np.zeros((0, 0), np.float32)

    def _enqueue(self, text: str, future: asyncio.Future[Vector]) -> None:
        digest = text_hash(text)
        item = self._by_digest.get(digest)
        if item is None:
            item = _Item(digest, text, self._provider.count_tokens(text))
            self._by_digest[digest] = item
            self._pending.append(item)
        item.waiters.append(future)

    async def run(self) -> None:
        """Form and send batches until cancelled."""
        try:
            while True:
                await self._wakeup.wait()
                self._wakeup.clear()
                await asyncio.sleep(self._linger)
                while self._pending:
                    if self._first_request_out:
                        break  # The first request sets the wakeup when it completes.
                    if self._should_wait_for_more():
                        await asyncio.sleep(self._linger)
                        continue
                    await self._slots.acquire()
                    batch = self._take_batch()
                    if not batch:
                        self._slots.release()
                        break
                    self._first_request_out = self._limits_unknown
                    task = asyncio.create_task(self._send_and_release(batch))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
        finally:
            for task in list(self._tasks):
                task.cancel()
            self._fail(list(self._pending), asyncio.CancelledError())

    @property
    def _batch_token_cap(self) -> int:
        """Largest request in tokens: the provider's limit, or less when the token rate limit is lower."""
        return min(self._provider.max_batch_tokens, self._limiter.max_request_tokens or self._provider.max_batch_tokens)

    def _should_wait_for_more(self) -> bool:
        """Hold a part-full batch while other documents are still being prepared, up to the max linger.

        Fewer, fuller requests spend less of the provider's request quota. The
        wait ends as soon as the batch is full, nothing more is coming, or the
        oldest text has waited `max_linger_seconds`.
        """
        if self._limits_unknown or self._more_coming is None or not self._more_coming():
            return False
        if len(self._pending) >= self._provider.max_batch_inputs:
            return False
        if sum(item.tokens for item in self._pending) >= self._batch_token_cap:
            return False
        return time.monotonic() - self._pending[0].enqueued_at < self._max_linger

    def _take_batch(self) -> list[_Item]:
        batch: list[_Item] = []
        tokens = 0
        cap = self._batch_token_cap
        max_inputs = 1 if self._limits_unknown else self._provider.max_batch_inputs
        while self._pending and len(batch) < max_inputs:
            item = self._pending[0]
            if batch and tokens + item.tokens > cap:
                break
            batch.append(self._pending.popleft())
            tokens += item.tokens
        return batch

    async def _send_and_release(self, batch: list[_Item]) -> None:
        try:
            await self._send(batch)
        finally:
            self._slots.release()
            if self._first_request_out:
                self._first_request_out = False
                self._wakeup.set()

    async def _send(self, batch: list[_Item]) -> None:
        live = [item for item in batch if any(not w.done() for w in item.waiters)]
        if not live:
            self._forget(batch)
            return
        if self._unavailable is not None:
            self._fail(live, self._unavailable)
            return
        await self._limiter.acquire(sum(item.tokens for item in live))
        self.stats.requests += 1
        self.stats.texts_sent += len(live)
        try:
            vectors = await self._provider.embed([item.text for item in live])
        except asyncio.CancelledError:
            self._fail(live, asyncio.CancelledError())
            raise
        except RateLimitedError as error:
            await self._handle_rate_limit(live, error)
        except InvalidInputError as error:
            await self._isolate_invalid(live, error)
        except ProviderUnavailableError as error:
            self.stats.failures += 1
            self._unavailable = error
            self._fail(live + list(self._pending), error)
            self._pending.clear()
        except (TransientProviderError, Exception) as error:
            self.stats.failures += 1
            log.warning("embedding request of %d texts failed: %s", len(live), error)
            self._fail(live, error)
        else:
            await self._deliver(live, vectors)

    async def _deliver(self, items: list[_Item], vectors: npt.NDArray[np.float32]) -> None:
        self._consecutive_429s = 0
        self._observe_rate_limit_headers()
        if self._on_vectors is not None:
            await self._on_vectors([item.digest for item in items], vectors)
        for row, item in zip(vectors, items, strict=True):
            for waiter in item.waiters:
                if not waiter.done():
                    waiter.set_result(row)
        self._forget(items)
        if self._on_success is not None:
            await self._on_success()

    def _observe_rate_limit_headers(self) -> None:
        """Update the limiter from the latest reply's headers, which a 429 reply carries too."""
        self._limits_unknown = False
        info = getattr(self._provider, "rate_limit_info", None)
        if info is not None:
            self._limiter.observe_headers(
                info.limit_requests, info.limit_tokens, info.remaining_requests, info.remaining_tokens
            )

    async def _handle_rate_limit(self, items: list[_Item], error: RateLimitedError) -> None:
        """Hold every request for the wait the provider asked for, then retry the same texts."""
        self.stats.rate_limited += 1
        self._consecutive_429s += 1
        self._observe_rate_limit_headers()
        wait = rate_limit_wait(error.retry_after, self._consecutive_429s)
        log.info("rate limited by the provider; holding requests for %.1f s", wait)
        self._limiter.hold(wait)
        if self._on_rate_limited is not None:
            await self._on_rate_limited(wait)
        self._pending.extendleft(reversed(items))
        self._wakeup.set()

    async def _isolate_invalid(self, items: list[_Item], error: InvalidInputError) -> None:
        """Bisect a rejected batch so only the inputs the provider rejects fail."""
        if len(items) == 1:
            log.warning("provider rejected one input: %s", error)
            self._fail(items, error)
            return
        middle = len(items) // 2
        await self._send(items[:middle])
        await self._send(items[middle:])

    def _fail(self, items: list[_Item], error: BaseException) -> None:
        for item in items:
            for waiter in item.waiters:
                if waiter.done():
                    continue
                if isinstance(error, asyncio.CancelledError):
                    waiter.cancel()
                else:
                    waiter.set_exception(error)
        self._forget(items)

    def _forget(self, items: list[_Item]) -> None:
        for item in items:
            if self._by_digest.get(item.digest) is item:
                del self._by_digest[item.digest]
