"""Per-minute request and token limits enforced the way OpenAI reports them."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


def format_duration(seconds: float) -> str:
    """Format `seconds` like OpenAI's `x-ratelimit-reset-*` headers: "20ms", "1s", "6m0s"."""
    if seconds < 1:
        return f"{math.ceil(seconds * 1000)}ms"
    minutes, rest = divmod(seconds, 60)
    rest_text = f"{rest:.3f}".rstrip("0").rstrip(".")
    if minutes < 1:
        return f"{rest_text}s"
    hours, minutes = divmod(int(minutes), 60)
    if hours:
        return f"{hours}h{minutes}m{rest_text}s"
    return f"{minutes}m{rest_text}s"


class TokenBucket:
    """A bucket of `per_minute` units that refills continuously over one minute."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute <= 0:
            raise ValueError(f"per_minute must be positive, got {per_minute}")
        self.capacity = per_minute
        self._clock = clock
        self._level = float(per_minute)
        self._updated = clock()

    def _refill(self) -> None:
        now = self._clock()
        rate = self.capacity / 60.0
        self._level = min(self.capacity, self._level + (now - self._updated) * rate)
        self._updated = now

    def can_take(self, amount: int) -> bool:
        self._refill()
        return amount <= self._level

    def take(self, amount: int) -> None:
        self._refill()
        self._level -= amount

    @property
    def remaining(self) -> int:
        self._refill()
        return max(0, math.floor(self._level))

    @property
    def seconds_to_full(self) -> float:
        """Time until the bucket is full again, which OpenAI calls the reset time."""
        self._refill()
        return (self.capacity - self._level) * 60.0 / self.capacity


@dataclass(slots=True)
class RateLimits:
    """Requests-per-minute and tokens-per-minute buckets, where None means no limit.

    Callers hold the server's lock, because the buckets are not thread-safe themselves.
    """

    requests: TokenBucket | None = None
    tokens: TokenBucket | None = None

    def try_take(self, token_count: int) -> bool:
        """Take one request and `token_count` tokens if both fit, else take nothing."""
        if self.requests is not None and not self.requests.can_take(1):
            return False
        if self.tokens is not None and not self.tokens.can_take(token_count):
            return False
        if self.requests is not None:
            self.requests.take(1)
        if self.tokens is not None:
            self.tokens.take(token_count)
        return True

    def headers(self) -> list[tuple[str, str]]:
        """Return the `x-ratelimit-*` headers of every configured limit."""
        headers = []
        for name, bucket in (("requests", self.requests), ("tokens", self.tokens)):
            if bucket is None:
                continue
            headers.append((f"x-ratelimit-limit-{name}", str(bucket.capacity)))
            headers.append((f"x-ratelimit-remaining-{name}", str(bucket.remaining)))
            headers.append((f"x-ratelimit-reset-{name}", format_duration(bucket.seconds_to_full)))
        return headers
