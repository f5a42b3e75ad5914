"""Reading the rate-limit headers of OpenAI's API: retry times and remaining quota."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# One part of a Go-style duration as OpenAI sends it: "1h2m3.5s" has three parts.
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def parse_duration(text: str) -> float | None:
    """Return the seconds of a duration like "20ms", "1s", "6m0s" or "1h2m3.5s".

    A bare number counts as seconds. Returns None for anything else.
    """
    text = text.strip()
    seconds = _parse_seconds(text)
    if seconds is not None:
        return seconds
    total = 0.0
    position = 0
    for match in _DURATION_PART.finditer(text):
        if match.start() != position:
            return None
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    if position == 0 or position != len(text):
        return None
    return total


def _parse_seconds(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value) or value < 0:
        return None
    return value


def _parse_http_date(text: str, now: datetime | None) -> float | None:
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (moment - now).total_seconds())


def retry_after_seconds(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Return how long a 429 response requests the client to wait, or None if it gives no time.

    The sources in order of precedence are `retry-after-ms`, then `retry-after` in
    seconds or as an HTTP date, then the reset time of whichever of the request and
    token limits ran out, capped at RESET_WAIT_CAP_SECONDS. `headers` must look names up case-insensitively,
    as httpx's headers do.
    """
    milliseconds = _parse_seconds(headers.get("retry-after-ms", ""))
    if milliseconds is not None:
        return milliseconds / 1000
    retry_after = headers.get("retry-after", "")
    seconds = _parse_seconds(retry_after)
    if seconds is None and retry_after:
        seconds = _parse_http_date(retry_after, now)
    if seconds is not None:
        return seconds
    return _exhausted_reset(headers)


# A reset time gives when the whole bucket is full again, which can be a minute, while
# one more request usually fits much sooner; the client-side limiter paces from there.
RESET_WAIT_CAP_SECONDS = 10.0


def _exhausted_reset(headers: Mapping[str, str]) -> float | None:
    """Return the reset time of the limit that ran out (both when no remaining count is given), capped."""
    resets: list[float] = []
    for name in ("requests", "tokens"):
        reset = parse_duration(headers.get(f"x-ratelimit-reset-{name}", ""))
        remaining = _parse_count(headers.get(f"x-ratelimit-remaining-{name}"))
        if reset is not None and remaining in (None, 0):
            resets.append(reset)
    return min(max(resets), RESET_WAIT_CAP_SECONDS) if resets else None


def _parse_count(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        return None


def _parse_reset(text: str | None) -> float | None:
    return None if text is None else parse_duration(text)


@dataclass(frozen=True, slots=True)
class RateLimitInfo:
    """The `x-ratelimit-*` headers of one response, with None for a missing or unreadable one.

    Reset times are seconds until the limit is back to full, counted from
    `received_at` (a `time.monotonic()` value).
    """

    limit_requests: int | None
    limit_tokens: int | None
    remaining_requests: int | None
    remaining_tokens: int | None
    reset_requests: float | None
    reset_tokens: float | None
    received_at: float

    @classmethod
    def from_headers(cls, headers: Mapping[str, str], received_at: float) -> RateLimitInfo | None:
        """Read the headers, or return None when the response has none of them."""
        values = {
            name: headers.get(f"x-ratelimit-{name}")
            for name in (
                "limit-requests",
                "limit-tokens",
                "remaining-requests",
                "remaining-tokens",
                "reset-requests",
                "reset-tokens",
            )
        }
        if all(value is None for value in values.values()):
            return None
        return cls(
            limit_requests=_parse_count(values["limit-requests"]),
            limit_tokens=_parse_count(values["limit-tokens"]),
            remaining_requests=_parse_count(values["remaining-requests"]),
            remaining_tokens=_parse_count(values["remaining-tokens"]),
            reset_requests=_parse_reset(values["reset-requests"]),
            reset_tokens=_parse_reset(values["reset-tokens"]),
            received_at=received_at,
        )
