"""Runs the core embedding Worker inside the app, on a Textual thread worker with its own event loop.

The Worker opens its own database connection on that thread. Building the
provider (a local model can take seconds) also happens there, never on the
app's thread. Everything the thread reports reaches the app as a posted message.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from multiprocessing import resource_tracker
from typing import Any

from textual.app import App
from textual.worker import get_current_worker

from docdesk.core.providers.base import EmbeddingProvider
from docdesk.core.providers.factory import create_provider
from docdesk.core.settings import Settings
from docdesk.core.worker.worker import Worker, provider_key
from docdesk.tui.event_bridge import EventBridge
from docdesk.tui.messages import ProviderMissing, WorkerStarted

log = logging.getLogger(__name__)

WORKER_GROUP = "embedding-worker"

# How often the thread checks for a stop request. Worker.request_stop() is a
# no-op until Worker.run() has set up its loop, so the request is repeated.
_STOP_CHECK_SECONDS = 0.1


def start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker now, before the App replaces sys.stderr.

    While a Textual app runs, sys.stderr.fileno() returns -1, and the tracker,
    which the extraction process pool starts on first use, passes that number
    to the new process and fails with "bad value(s) in fds_to_keep". A tracker
    that is already running is reused, so starting it first avoids the failure.
    """
    resource_tracker.ensure_running()


class WorkerHost:
    """Starts, stops and reports on the in-app Worker.

    Build it before the App runs: the constructor starts the resource tracker.
    """

    def __init__(self, app: App[Any], settings: Settings, bridge: EventBridge) -> None:
        start_resource_tracker()
        self._app = app
        self._settings = settings
        self._bridge = bridge
        self._stop = threading.Event()
        self._finished = threading.Event()
        self._started = False
        self.provider_key: str | None = None

    @property
    def running(self) -> bool:
        return self._started and not self._finished.is_set()

    def start(self) -> None:
        self._started = True
        self._app.run_worker(
            self._run,
            name="embedding worker",
            group=WORKER_GROUP,
            description="extracts, chunks and embeds queued documents",
            thread=True,
            exit_on_error=False,
        )

    def request_stop(self) -> None:
        """Ask the worker to stop, which returns the document in hand to the queue. Thread-safe."""
        self._stop.set()

    async def wait_stopped(self, timeout: float) -> bool:
        """Wait without blocking the app's loop, and return False if the worker is still running."""
        if not self._started:
            return True
        return await asyncio.to_thread(self._finished.wait, timeout)

    def _run(self) -> None:
        """Thread body: build the provider, then run the Worker until asked to stop."""
        try:
            choice = create_provider(self._settings)
            if choice.provider is None:
                problem = choice.problem or "no embedding provider configured"
                log.warning("in-app worker not started: %s", problem)
                self._app.post_message(ProviderMissing(problem))
                return
            if self._stop.is_set():
                return
            asyncio.run(self._serve(choice.provider))
        finally:
            self._finished.set()

    async def _serve(self, provider: EmbeddingProvider) -> None:
        worker = Worker(self._settings, provider, events=self._bridge)
        # The same key the worker writes its pause state under, so the status bar finds it.
        self.provider_key = provider_key(provider)
        self._app.post_message(WorkerStarted(self.provider_key))
        textual_worker = get_current_worker()
        task = asyncio.create_task(worker.run())
        try:
            while not task.done():
                if self._stop.is_set() or textual_worker.is_cancelled:
                    worker.request_stop()
                await asyncio.wait({task}, timeout=_STOP_CHECK_SECONDS)
            # Re-raises a failure of the worker loop, which the app's Worker.StateChanged handler reports.
            task.result()
        finally:
            await provider.aclose()
