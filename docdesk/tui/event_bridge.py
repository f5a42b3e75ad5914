"""Turns the core worker's events, raised on the worker's thread, into app messages without floods.

The worker can report hundreds of progress events a second. The bridge
collects them under a lock and posts a single replaceable WorkerActivity until
the app drains what has been collected, so the app refreshes at its own pace.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from textual.message import Message

from docdesk.core.worker.events import DocumentChanged, ProviderStateChanged, WorkerEvent, WorkerStopped
from docdesk.tui.messages import WorkerActivity, WorkerFinished


@dataclass(frozen=True, slots=True)
class PendingChanges:
    """Changes the worker reported since the last drain."""

    doc_ids: frozenset[str]
    provider_changed: bool


class EventBridge:
    """An EventSink for Worker. `post` must be thread-safe, as App.post_message is."""

    def __init__(self, post: Callable[[Message], object]) -> None:
        self._post = post
        self._lock = threading.Lock()
        self._doc_ids: set[str] = set()
        self._provider_changed = False
        self._posted = False

    def __call__(self, event: WorkerEvent) -> None:
        if isinstance(event, WorkerStopped):
            self._post(WorkerFinished(event.error))
            return
        with self._lock:
            if isinstance(event, DocumentChanged):
                self._doc_ids.add(event.doc_id)
            elif isinstance(event, ProviderStateChanged):
                self._provider_changed = True
            if self._posted:
                return
            self._posted = True
        self._post(WorkerActivity())

    def drain(self) -> PendingChanges:
        """Take what was collected, so the next event posts a new WorkerActivity."""
        with self._lock:
            pending = PendingChanges(frozenset(self._doc_ids), self._provider_changed)
            self._doc_ids.clear()
            self._provider_changed = False
            self._posted = False
        return pending
