"""Classifying a failed attempt: give up now, retry this document later, or pause the provider."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from docdesk.core.errors import PermanentDocumentError
from docdesk.core.providers.errors import (
    InvalidInputError,
    PauseReason,
    ProviderUnavailableError,
    TransientProviderError,
)

log = logging.getLogger(__name__)


class FailureKind(StrEnum):
    """Handling the worker applies to a failure."""

    PERMANENT = "permanent"  # `error` now, no retries
    TRANSIENT = "transient"  # per-document backoff, then `error`
    PAUSE = "pause"  # provider-wide pause; the document waits without spending retries


@dataclass(frozen=True, slots=True)
class Failure:
    """A classified failure with the one-line reason shown to the user."""

    kind: FailureKind
    reason: str
    pause_reason: PauseReason | None = None


def classify(error: BaseException) -> Failure:
    if isinstance(error, ProviderUnavailableError):
        return Failure(FailureKind.PAUSE, str(error), error.reason)
    if isinstance(error, InvalidInputError):
        return Failure(FailureKind.PERMANENT, f"the provider rejected this document's text: {error}")
    if isinstance(error, PermanentDocumentError):
        return Failure(FailureKind.PERMANENT, str(error))
    if isinstance(error, TransientProviderError):
        return Failure(FailureKind.TRANSIENT, str(error))
    if isinstance(error, MemoryError):
        return Failure(FailureKind.PERMANENT, "out of memory while processing this file")
    # Anything else is a bug or an environment problem; retrying may help and the log has the details.
    log.error("unexpected error while processing a document", exc_info=error)
    return Failure(FailureKind.TRANSIENT, f"internal error ({type(error).__name__}: {error}); see the log")
