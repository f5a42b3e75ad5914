"""Starting the app from the command line: logging first, then the App, then its exit code."""

from __future__ import annotations

import logging
import sys

from docdesk.core.logging_setup import configure_logging
from docdesk.core.settings import Settings

log = logging.getLogger(__name__)


def run_app(settings: Settings, start_worker: bool = True) -> int:
    """Run the terminal app until the user quits and return the process exit code.

    Logging goes to the log file before the app takes over the terminal, so no
    record is printed over the screen. A startup failure is printed after the
    terminal has been restored.
    """
    log_path = configure_logging(settings)
    # Imported here so `docdesk list` and the other sub-commands never load Textual.
    from docdesk.tui.app import DocdeskApp

    app = DocdeskApp(settings, start_worker=start_worker, log_path=log_path)
    log.info("app starting on %s (worker: %s)", settings.resolved_db_path, "on" if start_worker else "off")
    app.run()
    if app.startup_error is not None:
        print(f"docdesk: {app.startup_error}", file=sys.stderr)
    log.info("app stopped")
    return app.return_code or 0
