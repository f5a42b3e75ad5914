"""The retry schedule a document still has ahead of it, for display (the app's detail view)."""

from __future__ import annotations

from docdesk.core.worker.retry_policy import JITTER_FRACTION


def nominal_retry_delays(retry_count: int, base_seconds: float, max_retries: int) -> list[float]:
    """Return the delays, in seconds, of the retries left after `retry_count` failed attempts.

    These are the values `retry_policy.document_retry_delay` spreads by
    ±JITTER_FRACTION, so each real wait lies within that fraction of its entry.
    The delay already scheduled for the current retry is not included.
    """
    return [base_seconds * 2 ** (attempt - 1) for attempt in range(retry_count + 1, max_retries + 1)]


__all__ = ["JITTER_FRACTION", "nominal_retry_delays"]
