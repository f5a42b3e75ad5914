"""Code that runs inside an ExtractionRunner worker process.

The parent's logging handlers do not exist in a spawned process, so the worker buffers
its log records during a task and sends them back with the result, and the parent replays
them. A record emitted while a task is killed is lost, but the parent logs the timeout or
crash itself. Repeated messages are collapsed, because pypdf can warn once per font and
page, more than a thousand times for one book.
"""

from __future__ import annotations

import logging
import logging.handlers
import queue
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from docdesk.core.errors import ExtractionError
from docdesk.core.extraction.reasons import short_reason
from docdesk.core.models import Extracted

logger = logging.getLogger(__name__)

ExtractFunction = Callable[[Path, str], Extracted]

# Messages that share this many leading characters, with digits ignored, count as repeats
# of each other, because pypdf puts the varying part (a font dictionary) at the end.
_REPEAT_KEY_CHARS = 60
_DIGITS = re.compile(r"\d+")
# Bounds the memory and the log volume of a task that emits many distinct messages.
_MAX_RECORDS_PER_TASK = 500
_MEGABYTE = 1024 * 1024


@dataclass(frozen=True, slots=True)
class TaskOutcome:
    """Result of one worker task: the extracted text or the error, plus its log records."""

    extracted: Extracted | None
    error: ExtractionError | None
    log_records: list[logging.LogRecord] = field(default_factory=list)


class _BufferingHandler(logging.handlers.QueueHandler):
    """Keeps prepared (picklable) records of the current task, dropping repeats."""

    def __init__(self) -> None:
        self.records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
        super().__init__(self.records)
        self.repeats: Counter[tuple[str, int, str]] = Counter()
        self.first_messages: dict[tuple[str, int, str], str] = {}
        self.dropped = 0

    def enqueue(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        key = (record.name, record.levelno, _DIGITS.sub("0", message)[:_REPEAT_KEY_CHARS])
        self.repeats[key] += 1
        if self.repeats[key] == 1 and len(self.first_messages) < _MAX_RECORDS_PER_TASK:
            self.first_messages[key] = message[:_REPEAT_KEY_CHARS]
            super().enqueue(record)
        elif key not in self.first_messages:
            self.dropped += 1

    def drain(self) -> list[logging.LogRecord]:
        """Return the task's records plus one summary record per repeated message."""
        records: list[logging.LogRecord] = []
        while not self.records.empty():
            records.append(self.records.get_nowait())
        for key, count in self.repeats.items():
            if count > 1 and key in self.first_messages:
                name, level, _ = key
                summary = f"{count - 1} more messages like this one: {self.first_messages[key]}..."
                records.append(logging.LogRecord(name, level, __file__, 0, summary, None, None))
        if self.dropped:
            summary = f"{self.dropped} more log messages dropped after {_MAX_RECORDS_PER_TASK}"
            records.append(logging.LogRecord(__name__, logging.WARNING, __file__, 0, summary, None, None))
        self.repeats.clear()
        self.first_messages.clear()
        self.dropped = 0
        return records


_buffer = _BufferingHandler()
_memory_limit_mb = 0


def init_worker(memory_limit_mb: int, log_level: int) -> None:
    """Set the worker's address-space limit and route its logging into the task buffer.

    A failing setrlimit is logged, not raised, because pebble restarts a worker whose
    initializer fails, and a failure that repeats would restart workers without end.
    """
    global _memory_limit_mb
    _memory_limit_mb = memory_limit_mb

    root = logging.getLogger()
    root.handlers = [_buffer]
    root.setLevel(log_level)
    logging.captureWarnings(True)

    _set_memory_limit(memory_limit_mb)


def run_task(target: ExtractFunction, path: Path, mime: str) -> TaskOutcome:
    """Run `target` and return its result or its ExtractionError with the task's log.

    Unexpected exceptions become an ExtractionError, with the traceback in the log,
    so that nothing unpicklable or unclear reaches the parent.
    """
    extracted: Extracted | None = None
    error: ExtractionError | None = None
    try:
        extracted = target(path, mime)
    except ExtractionError as exc:
        error = exc
    except MemoryError:
        error = ExtractionError(
            f"extraction ran out of memory (limit {_memory_limit_mb} MB); the file may be damaged or too large"
        )
    except Exception as exc:
        logger.exception("Extraction of %s failed unexpectedly", path.name)
        error = ExtractionError(f"extraction failed: {type(exc).__name__}: {short_reason(exc)}")
    return TaskOutcome(extracted=extracted, error=error, log_records=_buffer.drain())


def _set_memory_limit(memory_limit_mb: int) -> None:
    try:
        import resource
    except ImportError:
        logger.warning("No memory limit for extraction: the resource module is missing")
        return

    limit = memory_limit_mb * _MEGABYTE
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, ValueError) as exc:
        # Some platforms reject or ignore RLIMIT_AS.
        logger.warning("No memory limit for extraction: setrlimit(RLIMIT_AS) failed: %s", exc)
