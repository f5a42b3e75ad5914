"""Runs the folder watcher as an async Textual worker on the app's loop and reports what it does."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from textual.app import App

from docdesk.core.intake.watch import (
    FolderWatcher,
    WatchAdded,
    WatchEvent,
    WatchFolderError,
    WatchRejected,
    WatchRequeued,
)
from docdesk.core.settings import Settings
from docdesk.tui.messages import WatchNotice

log = logging.getLogger(__name__)

WATCH_GROUP = "folder-watcher"


def describe(event: WatchEvent) -> WatchNotice | None:
    """Turn a watcher event into a notice for the user, or None when it is not worth one."""
    if isinstance(event, WatchAdded):
        if not event.created:
            return None
        return WatchNotice(f"Queued {event.path.name} from the watched folder")
    if isinstance(event, WatchRequeued):
        return WatchNotice(f"{event.path.name} changed in the watched folder, so it is queued again")
    if isinstance(event, WatchRejected):
        return WatchNotice(event.reason, "warning", "Not added from the watched folder")
    return None


class WatchHost:
    """Starts and stops the FolderWatcher for `folder`."""

    def __init__(self, app: App[Any], settings: Settings, folder: Path) -> None:
        self._app = app
        self._settings = settings
        self.folder = folder
        self._stop = asyncio.Event()
        self.watching = False

    def start(self) -> None:
        self._app.run_worker(
            self._run(),
            name="folder watcher",
            group=WATCH_GROUP,
            description=f"adds files that appear in {self.folder}",
            exit_on_error=False,
        )

    def request_stop(self) -> None:
        self._stop.set()

    async def _run(self) -> None:
        watcher = FolderWatcher(self._settings, self.folder, self._on_event)
        self.watching = True
        try:
            await watcher.run(self._stop)
        except WatchFolderError as problem:
            log.warning("folder watching did not start: %s", problem)
            self._app.post_message(WatchNotice(str(problem), "error", "Not watching"))
        finally:
            self.watching = False

    def _on_event(self, event: WatchEvent) -> None:
        # Called on the app's loop (the watcher runs there), so posting is cheap and safe.
        notice = describe(event)
        if notice is not None:
            self._app.post_message(notice)
