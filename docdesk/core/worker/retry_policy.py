"""Every retry delay docdesk decides: per-document backoff, provider pause probes, rate-limit waits."""

from __future__ import annotations

import random

# Spread retries of documents that failed together, so they do not return as one burst.
JITTER_FRACTION = 0.1
RATE_LIMIT_FALLBACK_SECONDS = 1.0
RATE_LIMIT_MAX_SECONDS = 60.0


def document_retry_delay(retry_count: int, base_seconds: float) -> float:
    """Seconds before the next attempt after the `retry_count`-th failure (1-based).

    base, 2*base, 4*base ...: with the default base of 60 s that is 1, 2, 4 ... minutes.
    """
    delay: float = base_seconds * (2 ** max(retry_count - 1, 0))
    return delay * (1 + random.uniform(-JITTER_FRACTION, JITTER_FRACTION))


def retries_exhausted(retry_count: int, max_retries: int) -> bool:
    """True when a document has failed `max_retries` retries after its first attempt."""
    return retry_count > max_retries


def next_probe_interval(previous_seconds: float | None, base_seconds: float, max_seconds: float) -> float:
    """Interval before the next probe of a paused provider: base, then doubling up to max."""
    if previous_seconds is None:
        return base_seconds
    return min(previous_seconds * 2, max_seconds)


def rate_limit_wait(retry_after: float | None, consecutive_429s: int) -> float:
    """Seconds to hold every request after a 429: the wait the provider requested, else backoff with jitter."""
    if retry_after is not None and retry_after > 0:
        return min(retry_after, RATE_LIMIT_MAX_SECONDS)
    backoff: float = RATE_LIMIT_FALLBACK_SECONDS * (2 ** min(consecutive_429s, 6))
    return min(backoff, RATE_LIMIT_MAX_SECONDS) * random.uniform(0.5, 1.0)
