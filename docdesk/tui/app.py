"""The docdesk App: owns the database connection, the in-app worker, the folder watcher and the poll.

The main screen (screens/main.py) owns the table and the user's actions, and this
class only wires background work to it. Nothing here blocks the app's loop:
database IO runs on aiosqlite's thread, the worker and exports on thread workers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import aiosqlite
from textual.app import App, SystemCommand
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from docdesk.core.clock import now_ms
from docdesk.core.errors import DocdeskError
from docdesk.core.logging_setup import log_file_path
from docdesk.core.settings import Settings
from docdesk.tui import commands
from docdesk.tui.event_bridge import EventBridge
from docdesk.tui.export_adapter import ExportResult
from docdesk.tui.formatting import Clock
from docdesk.tui.messages import ProviderMissing, WatchNotice, WorkerActivity, WorkerFinished, WorkerStarted
from docdesk.tui.screens.main import MainScreen
from docdesk.tui.store import AppStore
from docdesk.tui.watch_host import WatchHost
from docdesk.tui.worker_host import WORKER_GROUP, WorkerHost

log = logging.getLogger(__name__)

# Refreshes triggered by worker events are at least this far apart, so a burst
# of progress events costs a few polls a second, not one per event.
MIN_REFRESH_SECONDS = 0.25
WORKER_STOP_TIMEOUT_SECONDS = 5.0


class DocdeskApp(App[None]):
    """The terminal app. Tests build it with their own settings, clock and flags."""

    TITLE = "docdesk"
    CSS_PATH = "app.tcss"

    def __init__(
        self,
        settings: Settings,
        *,
        start_worker: bool = True,
        start_watcher: bool = True,
        clock: Clock = now_ms,
        log_path: Path | None = None,
        start_folder: Path | None = None,
        refresh_seconds: float = 0.5,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.clock = clock
        self.log_path = log_path or log_file_path(settings)
        self.start_folder = start_folder or settings.watch_dir or Path.cwd()
        self.refresh_seconds = refresh_seconds
        self.store = AppStore(settings.resolved_db_path, worker_max_age_ms=int(settings.lease_seconds * 1000))
        self.bridge = EventBridge(self.post_message)
        self.worker_host = WorkerHost(self, settings, self.bridge) if start_worker else None
        watch_dir = settings.watch_dir if start_watcher else None
        self.watch_host = WatchHost(self, settings, watch_dir) if watch_dir is not None else None
        self.main = MainScreen()
        self.provider_problem: str | None = None
        self.startup_error: str | None = None
        self.loaded = asyncio.Event()
        self._wake = asyncio.Event()
        self._poll_failed = False
        self._stopping = False

    def get_default_screen(self) -> Screen[Any]:
        return self.main

    async def on_mount(self) -> None:
        try:
            await self.store.open()
        except (aiosqlite.Error, OSError) as error:
            log.exception("cannot open database %s", self.store.db_path)
            self.startup_error = f"cannot open database {self.store.db_path}: {error}"
            # Exiting only after the first refresh lets the main screen finish mounting first.
            self.call_after_refresh(self.exit, return_code=1)
            return
        self.run_worker(self._poll_loop(), name="database poll", group="poll", exit_on_error=False)
        self.set_interval(1.0, self.main.refresh_clock)
        if self.worker_host is not None:
            self.worker_host.start()
        if self.watch_host is not None:
            self.watch_host.start()

    def request_refresh(self) -> None:
        """Poll the database soon (within MIN_REFRESH_SECONDS) instead of at the next interval."""
        self._wake.set()

    async def _poll_loop(self) -> None:
        while True:
            try:
                snapshot = await self.store.poll()
            except aiosqlite.Error as error:
                self._report_poll_failure(error)
            else:
                self._poll_failed = False
                await self.main.show_snapshot(snapshot)
                self.loaded.set()
            await asyncio.sleep(MIN_REFRESH_SECONDS)
            try:
                await asyncio.wait_for(self._wake.wait(), self.refresh_seconds - MIN_REFRESH_SECONDS)
            except TimeoutError:
                pass
            self._wake.clear()

    def _report_poll_failure(self, error: aiosqlite.Error) -> None:
        # Logged and shown once per outage, while the loop keeps trying.
        if self._poll_failed:
            return
        self._poll_failed = True
        log.exception("reading the database failed, retrying")
        self.notify(f"{error}. Retrying. Details are in {self.log_path}", title="Cannot read the database",
                    severity="error", markup=False)

    # Messages from the worker thread and the folder watcher

    def on_worker_activity(self, _: WorkerActivity) -> None:
        self.bridge.drain()
        self.request_refresh()

    def on_worker_started(self, message: WorkerStarted) -> None:
        log.info("in-app worker started with %s", message.provider_key)
        self.request_refresh()

    def on_provider_missing(self, message: ProviderMissing) -> None:
        self.provider_problem = message.problem
        self.notify(message.problem, title="No embedding provider", severity="warning", timeout=30, markup=False)
        self.main.refresh_status()

    def on_worker_finished(self, message: WorkerFinished) -> None:
        if message.error and not self._stopping:
            self.notify(f"{message.error}. Details are in {self.log_path}", title="Worker stopped",
                        severity="error", timeout=30, markup=False)

    def on_watch_notice(self, message: WatchNotice) -> None:
        self.notify(message.text, title=message.title, severity=message.severity, markup=False)
        self.request_refresh()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Report every background failure, so no worker's error goes unseen."""
        worker = event.worker
        if event.state is WorkerState.SUCCESS and isinstance(worker.result, ExportResult):
            self.main.export_done(worker.result)
        if event.state is not WorkerState.ERROR or self._stopping:
            return
        error = worker.error
        if isinstance(error, DocdeskError):
            self.notify(str(error), title=f"{worker.name} failed", severity="warning", markup=False)
            return
        log.error("%s failed", worker.name, exc_info=error)
        self.notify(f"{error}. Details are in {self.log_path}", title=f"{worker.name} failed",
                    severity="error", timeout=30, markup=False)
        if worker.group == WORKER_GROUP:
            self.main.refresh_status()

    # Commands and quitting

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, MainScreen):
            yield from commands.system_commands(screen)

    async def on_unmount(self) -> None:
        # Every way out (quit key, palette, a failed start, a test ending) passes here.
        await self.shutdown_background()

    async def action_quit(self) -> None:
        await self.shutdown_background()
        self.exit()

    async def shutdown_background(self) -> None:
        """Stop the worker (its document in hand goes back to the queue) and the watcher, then close the database."""
        if self._stopping:
            return
        self._stopping = True
        if self.watch_host is not None:
            self.watch_host.request_stop()
        if self.worker_host is not None:
            self.worker_host.request_stop()
            if not await self.worker_host.wait_stopped(WORKER_STOP_TIMEOUT_SECONDS):
                log.warning("worker did not stop within %.0f s, so its documents wait for their leases to expire",
                            WORKER_STOP_TIMEOUT_SECONDS)
        self.workers.cancel_group(self, "poll")
        await self.store.close()
