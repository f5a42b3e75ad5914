"""The watched folder: files that appear or change in it are added to docdesk.

`FolderWatcher.run` watches the folder recursively with watchfiles, scans it once
at start for files added while docdesk was closed, and passes each file on only
after its size and mtime have stopped changing. Deleting a file from the folder
leaves its document alone, because docdesk keeps its own copy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path

from docdesk.core.errors import DocdeskError
from docdesk.core.intake.watch_events import WatchAdded, WatchEvent, WatchRejected, WatchRequeued
from docdesk.core.intake.watch_intake import WatchIntake
from docdesk.core.intake.watch_paths import WatchedPaths
from docdesk.core.intake.watch_session import WatchSession
from docdesk.core.settings import Settings
from docdesk.core.store.connection import open_database

__all__ = ["FolderWatcher", "WatchAdded", "WatchEvent", "WatchFolderError", "WatchRejected", "WatchRequeued"]

log = logging.getLogger(__name__)


class WatchFolderError(DocdeskError):
    """Error for a watched folder that is missing or not a folder; the message names it."""


class FolderWatcher:
    """Adds files that appear in `folder` and re-queues documents whose file changed.

    `on_event` is called on the event loop that runs `run`, once per outcome worth
    showing: a new document, a changed document, a changed file whose new content
    is another document, or a rejected file. Files already stored with the same
    content produce no event.
    """

    def __init__(
        self,
        settings: Settings,
        folder: Path,
        on_event: Callable[[WatchEvent], None],
        *,
        stable_seconds: float = 1.0,
        poll_seconds: float = 0.25,
    ) -> None:
        self._settings = settings
        self._folder = folder
        self._on_event = on_event
        self._stable_seconds = stable_seconds
        self._poll_seconds = poll_seconds

    async def run(self, stop_event: asyncio.Event) -> None:
        """Watch until `stop_event` is set, through a database connection of its own.

        Raises WatchFolderError when the folder is missing at start. Problems with
        single files become WatchRejected events and never end the watch. When the
        folder disappears later, the watcher waits for it to come back.
        """
        root = self._resolve_folder()
        db = await open_database(self._settings.resolved_db_path)
        try:
            intake = WatchIntake(
                db, storage_dir=self._settings.resolved_storage_dir,
                user_id=self._settings.resolved_user_id, on_event=self._on_event,
            )
            session = WatchSession(
                self._watched_paths(root), intake, self._on_event,
                stable_seconds=self._stable_seconds, poll_ms=max(1, round(self._poll_seconds * 1000)),
            )
            log.info("watching %s (files count as complete after %.2f s unchanged)", root, self._stable_seconds)
            await self._keep_watching(session, root, stop_event)
        finally:
            await db.close()
            log.info("stopped watching %s", root)

    def _resolve_folder(self) -> Path:
        root = self._folder.expanduser().resolve()
        if not root.is_dir():
            raise WatchFolderError(
                f"watch folder {self._folder} is not found or not a folder; create it or pick another"
            )
        return root

    def _watched_paths(self, root: Path) -> WatchedPaths:
        db_path = self._settings.resolved_db_path.resolve()
        own_files = [
            self._settings.resolved_storage_dir.resolve(),
            db_path,
            *(db_path.with_name(db_path.name + suffix) for suffix in ("-wal", "-shm", "-journal")),
        ]
        return WatchedPaths(root, own_files)

    async def _keep_watching(self, session: WatchSession, root: Path, stop_event: asyncio.Event) -> None:
        force_polling = False
        while not stop_event.is_set():
            try:
                await session.watch(stop_event, force_polling=force_polling)
            except OSError as error:
                # A vanished folder is waited for below. Any other failure after the start,
                # or while polling, is not about one file, so it ends the watch.
                if root.is_dir():
                    if session.scanned or force_polling:
                        raise
                    # inotify can run out of watches on a large tree, and polling needs none.
                    # NOTE: no test reaches this fallback, because it needs the inotify limit lowered.
                    log.warning("native file watching of %s failed (%s); polling instead", root, error)
                    force_polling = True
                    continue
            if stop_event.is_set():
                return
            log.warning("watch folder %s disappeared; waiting for it to come back", root)
            if not await self._wait_for_folder(root, stop_event):
                return
            log.info("watch folder %s is back; scanning it again", root)

    async def _wait_for_folder(self, root: Path, stop_event: asyncio.Event) -> bool:
        """Wait until `root` is a folder again, and return False when stopped first."""
        while not root.is_dir():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop_event.wait(), timeout=max(self._poll_seconds, 0.5))
            if stop_event.is_set():
                return False
        return True
