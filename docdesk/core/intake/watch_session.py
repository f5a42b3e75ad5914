"""One pass of watching a folder: feed watchfiles events and a scan into the stability wait, then store."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

from watchfiles import Change, awatch

from docdesk.core.intake.watch_events import WatchEvent, WatchRejected
from docdesk.core.intake.watch_intake import Outcome, WatchIntake
from docdesk.core.intake.watch_paths import WatchedPaths
from docdesk.core.intake.watch_stability import StabilityTracker, StableFile, UnreadableFile

log = logging.getLogger(__name__)


class WatchSession:
    """Watches `paths.root` until it is stopped or the folder disappears.

    The tracker and the intake outlive one `watch` call, so a restarted watch
    remembers which files it has already handled.
    """

    def __init__(
        self,
        paths: WatchedPaths,
        intake: WatchIntake,
        on_event: Callable[[WatchEvent], None],
        *,
        stable_seconds: float,
        poll_ms: int,
    ) -> None:
        self._paths = paths
        self._intake = intake
        self._on_event = on_event
        self._tracker = StabilityTracker(stable_seconds)
        self._poll_ms = poll_ms
        self.scanned = False

    async def watch(self, stop_event: asyncio.Event, *, force_polling: bool) -> None:
        """Watch and store files until `stop_event` is set or the root folder is gone.

        Raises OSError when watchfiles cannot watch the folder.
        """
        self.scanned = False
        root = self._paths.root
        # The timeout makes awatch yield an empty set every poll, which drives the
        # stability checks and lets the loop see stop_event soon after it is set.
        async for changes in awatch(
            root, watch_filter=self._paths.watch_filter, stop_event=stop_event, debounce=self._poll_ms,
            step=min(50, self._poll_ms), rust_timeout=self._poll_ms, yield_on_timeout=True,
            ignore_permission_denied=True, force_polling=force_polling, poll_delay_ms=self._poll_ms,
        ):
            if not self.scanned:
                # Scanning after the watch has started leaves no gap in which a new file is missed.
                await self._note_folder(root, from_scan=True)
                self.scanned = True
            await self._note_changes(changes)
            await self._settle(stop_event)
            # inotify raises no error when the watched folder itself is deleted or unmounted.
            if stop_event.is_set() or not root.is_dir():
                return

    async def _note_folder(self, folder: Path, *, from_scan: bool) -> None:
        files = await asyncio.to_thread(self._paths.files_in, folder)
        for path in files:
            self._tracker.note(path, from_scan=from_scan)
        if from_scan:
            log.info("scan of %s found %d files", folder, len(files))

    async def _note_changes(self, changes: set[tuple[Change, str]]) -> None:
        for change, raw_path in sorted(changes, key=lambda item: item[1]):
            path = Path(raw_path)
            if change == Change.deleted:
                # The document stays, because docdesk keeps its own copy of the content.
                self._tracker.forget(path)
                self._intake.forget_hash(path)
            elif path.is_dir():
                # A folder moved in brings files that raise no event of their own.
                await self._note_folder(path, from_scan=False)
            else:
                self._tracker.note(path)

    async def _settle(self, stop_event: asyncio.Event) -> None:
        if not len(self._tracker):
            return
        for settled in await asyncio.to_thread(self._tracker.take_settled):
            if stop_event.is_set():
                return
            if await self._process(settled) is Outcome.CHANGED:
                self._tracker.note(settled.path, from_scan=settled.from_scan)

    async def _process(self, settled: StableFile | UnreadableFile) -> Outcome:
        try:
            return await self._intake.process(settled)
        except (OSError, sqlite3.Error) as error:
            # Not marked as handled, so the next event on the file tries again.
            log.exception("storing watched file %s failed", settled.path)
            self._on_event(WatchRejected(settled.path, f"{settled.path.name}: could not be stored ({error})"))
            return Outcome.DONE
