"""Logging to a file in the user's log directory, with secrets scrubbed from every record."""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import warnings
from pathlib import Path

from docdesk.core.redact import RedactingFilter
from docdesk.core.settings import Settings

LOG_FILE_NAME = "docdesk.log"
_FORMAT = "%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s"


def log_file_path(settings: Settings) -> Path:
    return settings.resolved_log_dir / LOG_FILE_NAME


def configure_logging(settings: Settings, *, stderr_level: int | None = None) -> Path:
    """Send all logging (library warnings included) to the log file; optionally echo to stderr.

    Returns the log file's path so the app and `--help` can show it.
    """
    path = log_file_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    redactor = RedactingFilter((settings.openai_api_key,))
    file_handler = logging.handlers.RotatingFileHandler(path, maxBytes=5_000_000, backupCount=3, encoding="utf-8")
    os.chmod(path, 0o600)
    file_handler.setFormatter(logging.Formatter(_FORMAT))
    file_handler.addFilter(redactor)
    root.addHandler(file_handler)
    root.setLevel(logging.INFO)
    if stderr_level is not None:
        console = logging.StreamHandler(sys.stderr)
        console.setLevel(stderr_level)
        console.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        console.addFilter(redactor)
        root.addHandler(console)
    # pypdf and others report recoverable problems as warnings; they belong in the log, not the terminal.
    logging.captureWarnings(True)
    warnings.simplefilter("default")
    for noisy in ("httpx", "httpcore", "openai", "urllib3", "sentence_transformers", "transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return path
