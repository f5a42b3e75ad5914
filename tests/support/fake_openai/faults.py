"""Faults the fake server can inject, and the thread-safe plan that picks one per request."""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

# OpenAI's wording for 429 insufficient_quota.
QUOTA_MESSAGE = "You exceeded your current quota, please check your plan and billing details."


class FaultKind(StrEnum):
    """How a faulty response differs from a normal one."""

    HTTP_ERROR = "http_error"  # an error status with OpenAI's error body
    DELAY = "delay"  # wait `seconds`, then respond normally (to trip client timeouts)
    RESET = "reset"  # send part of the response, then reset the connection
    MALFORMED_JSON = "malformed_json"  # 200 with a truncated JSON body
    WRONG_COUNT = "wrong_count"  # 200 with one vector fewer than inputs
    WRONG_DIMENSION = "wrong_dimension"  # 200 with vectors of half the dimension


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected fault; build it with the class methods."""

    kind: FaultKind
    status: int = 200
    error_type: str | None = None
    code: str | None = None
    message: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    seconds: float = 0.0

    @classmethod
    def http_error(
        cls,
        status: int,
        message: str,
        *,
        error_type: str | None = None,
        code: str | None = None,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> Fault:
        return cls(FaultKind.HTTP_ERROR, status, error_type, code, message, headers)

    @classmethod
    def quota(cls) -> Fault:
        """429 insufficient_quota, as OpenAI sends when the account has no credit left."""
        return cls.http_error(429, QUOTA_MESSAGE, error_type="insufficient_quota", code="insufficient_quota")

    @classmethod
    def rate_limited(cls, *, retry_after: str | float | None = None, retry_after_ms: float | None = None) -> Fault:
        """429 rate_limit_exceeded. `retry_after` may be seconds or an HTTP date string."""
        headers = []
        if retry_after is not None:
            headers.append(("retry-after", str(retry_after)))
        if retry_after_ms is not None:
            headers.append(("retry-after-ms", str(retry_after_ms)))
        return cls.http_error(
            429,
            "Rate limit reached for requests. Please try again later.",
            error_type="requests",
            code="rate_limit_exceeded",
            headers=tuple(headers),
        )

    @classmethod
    def unauthorized(cls) -> Fault:
        return cls.http_error(
            401,
            "Incorrect API key provided.",
            error_type="invalid_request_error",
            code="invalid_api_key",
        )

    @classmethod
    def forbidden(cls) -> Fault:
        return cls.http_error(
            403,
            "You are not allowed to sample from this model.",
            error_type="invalid_request_error",
        )

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        return cls.http_error(
            status,
            "The server had an error while processing your request.",
            error_type="server_error",
        )

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        return cls(FaultKind.DELAY, seconds=seconds)

    @classmethod
    def reset(cls) -> Fault:
        return cls(FaultKind.RESET)

    @classmethod
    def malformed_json(cls) -> Fault:
        return cls(FaultKind.MALFORMED_JSON)

    @classmethod
    def wrong_count(cls) -> Fault:
        return cls(FaultKind.WRONG_COUNT)

    @classmethod
    def wrong_dimension(cls) -> Fault:
        return cls(FaultKind.WRONG_DIMENSION)


class FaultPlan:
    """Scripted faults for the next requests, then faults drawn by probability.

    Tests may change the plan from any thread while the server runs.
    """

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._queue: deque[Fault | None] = deque()
        self._rates: list[tuple[Fault, float]] = []
        self._random = random.Random(seed)

    def inject(self, *faults: Fault | None) -> None:
        """Queue faults for the next requests in order. A None lets one request through."""
        with self._lock:
            self._queue.extend(faults)

    def set_rate(self, fault: Fault, probability: float) -> None:
        """Give each unscripted request `probability` (0 to 1) of getting `fault`."""
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"probability must be between 0 and 1, got {probability}")
        with self._lock:
            self._rates = [(f, p) for f, p in self._rates if f != fault]
            if probability > 0:
                self._rates.append((fault, probability))

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self._rates.clear()

    @property
    def pending(self) -> int:
        """Number of scripted faults not used yet."""
        with self._lock:
            return len(self._queue)

    def next_fault(self) -> Fault | None:
        """Pick the fault for one request: the next scripted one, else one drawn by rate."""
        with self._lock:
            if self._queue:
                return self._queue.popleft()
            for fault, probability in self._rates:
                if self._random.random() < probability:
                    return fault
            return None
