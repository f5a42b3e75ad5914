"""Client-side request and token rate limiting, shared by all requests of one worker process.

Two token buckets (requests per minute, tokens per minute) refill continuously.
Their limits come from settings or, when those are unset, from the provider's
`x-ratelimit-*` response headers. The `remaining` headers pull the buckets
down to what the provider actually has left, so other processes spending the
same quota are accounted for too.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass


@dataclass
class _Bucket:
    limit_per_minute: float
    level: float

    def refill(self, elapsed: float) -> None:
        self.level = min(self.limit_per_minute, self.level + elapsed * self.limit_per_minute / 60.0)

    def seconds_until(self, amount: float) -> float:
        # A request larger than the whole bucket waits for a full bucket rather than forever.
        needed = min(amount, self.limit_per_minute) - self.level
        return 0.0 if needed <= 0 else needed * 60.0 / self.limit_per_minute


class RequestLimiter:
    """Paces requests under RPM/TPM limits and honours provider-requested holds."""

    def __init__(self, requests_per_minute: int | None = None, tokens_per_minute: int | None = None) -> None:
        self._fixed = (requests_per_minute, tokens_per_minute)
        self._requests = _Bucket(requests_per_minute, requests_per_minute) if requests_per_minute else None
        self._tokens = _Bucket(tokens_per_minute, tokens_per_minute) if tokens_per_minute else None
        self._hold_until = 0.0
        self._last = time.monotonic()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = time.monotonic()
        elapsed, self._last = now - self._last, now
        for bucket in (self._requests, self._tokens):
            if bucket is not None:
                bucket.refill(elapsed)

    def _wait_needed(self, tokens: int) -> float:
        wait = max(0.0, self._hold_until - time.monotonic())
        if self._requests is not None:
            wait = max(wait, self._requests.seconds_until(1))
        if self._tokens is not None:
            wait = max(wait, self._tokens.seconds_until(tokens))
        return wait

    async def acquire(self, tokens: int) -> None:
        """Wait until a request of `tokens` estimated tokens fits, then spend it."""
        async with self._lock:
            while True:
                self._refill()
                wait = self._wait_needed(tokens)
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            if self._requests is not None:
                self._requests.level -= 1
            if self._tokens is not None:
                self._tokens.level -= min(tokens, self._tokens.limit_per_minute)

    @property
    def max_request_tokens(self) -> int | None:
        """Largest request the token limit can ever admit, or None without a token limit."""
        return int(self._tokens.limit_per_minute) if self._tokens is not None else None

    def hold(self, seconds: float) -> None:
        """Block every request for `seconds` (after a 429)."""
        self._hold_until = max(self._hold_until, time.monotonic() + seconds)

    def observe_headers(
        self,
        limit_requests: int | None,
        limit_tokens: int | None,
        remaining_requests: int | None,
        remaining_tokens: int | None,
    ) -> None:
        """Adopt limits learned from response headers unless settings fixed them."""
        self._refill()
        self._requests = _adopt(self._requests, self._fixed[0], limit_requests, remaining_requests)
        self._tokens = _adopt(self._tokens, self._fixed[1], limit_tokens, remaining_tokens)


def _adopt(bucket: _Bucket | None, fixed: int | None, limit: int | None, remaining: int | None) -> _Bucket | None:
    if fixed is None and limit:
        if bucket is None:
            bucket = _Bucket(float(limit), float(limit))
        bucket.limit_per_minute = float(limit)
    if bucket is not None and remaining is not None:
        bucket.level = min(bucket.level, float(remaining))
    return bucket
