"""Failure classes of an embedding request.

The worker handles each class differently, so providers translate their own
exceptions into exactly one of these. Messages never contain the API key.
"""

from __future__ import annotations

from enum import StrEnum


class PauseReason(StrEnum):
    """Reason the whole provider is paused rather than one document failing."""

    QUOTA = "quota exhausted"
    AUTH = "key rejected"
    UNREACHABLE = "unreachable"
    NOT_CONFIGURED = "no provider configured"


class ProviderError(Exception):
    """Base class of embedding failures."""


class RateLimitedError(ProviderError):
    """The provider asked us to slow down (HTTP 429 rate_limit_exceeded).

    `retry_after` is the wait in seconds the response asked for, or None when it gave none.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ProviderUnavailableError(ProviderError):
    """A provider-wide problem: no request can succeed until it is fixed."""

    def __init__(self, reason: PauseReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class TransientProviderError(ProviderError):
    """A failure that may pass on retry (5xx, timeout, malformed response)."""


class InvalidInputError(ProviderError):
    """The provider rejected the inputs themselves (HTTP 400); retrying the same input fails again."""
