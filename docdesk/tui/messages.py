"""Messages from background threads and workers to the app, as small typed classes.

Threads never touch widgets: they post one of these, and the app's handlers
update the screen on the app's own loop.
"""

from __future__ import annotations

from textual.message import Message
from textual.notifications import SeverityLevel


class WorkerActivity(Message):
    """The embedding worker changed documents or the provider state. The details wait in the EventBridge.

    Replaceable: a burst of events queued before the app reads them collapses into one message.
    """

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, WorkerActivity)


class WorkerStarted(Message):
    """The in-app worker built its provider and started with `provider_key` (`name:model`)."""

    def __init__(self, provider_key: str) -> None:
        super().__init__()
        self.provider_key = provider_key


class ProviderMissing(Message):
    """No provider could be built, so the in-app worker did not start. `problem` gives the reason and the fix."""

    def __init__(self, problem: str) -> None:
        super().__init__()
        self.problem = problem


class WorkerFinished(Message):
    """The in-app worker stopped. `error` is a one-line reason when it stopped by failure."""

    def __init__(self, error: str | None) -> None:
        super().__init__()
        self.error = error


class WatchNotice(Message):
    """Something the folder watcher did that the user should hear about."""

    def __init__(self, text: str, severity: SeverityLevel = "information", title: str = "") -> None:
        super().__init__()
        self.text = text
        self.severity = severity
        self.title = title
