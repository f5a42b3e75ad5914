"""Notifications a worker sends to whoever runs it (the app), as small plain classes.

The callback is invoked on the worker's own thread; the app turns each event
into a Textual message, so no widget is touched from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DocumentChanged:
    """A document's status, stage or progress changed."""

    doc_id: str


@dataclass(frozen=True, slots=True)
class ProviderStateChanged:
    """The provider was paused, resumed or rate limited."""


@dataclass(frozen=True, slots=True)
class WorkerStopped:
    """The worker loop ended; `error` is a one-line reason when it ended by failure."""

    error: str | None = None


WorkerEvent = DocumentChanged | ProviderStateChanged | WorkerStopped
EventSink = Callable[[WorkerEvent], None]
