"""Extraction throughput in pages per second: one worker process against the process pool.

Every file is submitted at once, as the worker does with the documents it
holds. A PDF counts its pages, and a DOCX or text file counts as one page. A
file that fails (scanned, encrypted, empty) counts no page, but its time is
included. The pool is started and warmed up before the clock starts, so
process start-up is not measured.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from docdesk.core.errors import ExtractionError
from docdesk.core.extraction.runner import ExtractionRunner
from docdesk.core.intake.filetypes import MIME_PDF, MIME_TEXT, detect_mime
from docdesk.core.models import Extracted


@dataclass(frozen=True, slots=True)
class ExtractionRun:
    workers: int
    passes: int
    files: int
    failed: int
    pages: int
    seconds: float

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


def page_count(extracted: Extracted, mime: str) -> int:
    return len(extracted.pages) if mime == MIME_PDF else 1


async def measure_extraction(files: list[Path], workers: int, passes: int = 1) -> ExtractionRun:
    """Extract every file `passes` times through a pool of `workers` processes and time it."""
    jobs = [(path, detect_mime(path)) for path in files] * passes
    with tempfile.TemporaryDirectory(prefix="docdesk-extract-") as scratch, ExtractionRunner(workers=workers) as runner:
        await _warm_up(runner, Path(scratch), workers)
        started = time.monotonic()
        outcomes = await asyncio.gather(
            *(runner.extract(path, mime) for path, mime in jobs), return_exceptions=True
        )
        seconds = time.monotonic() - started
    pages = 0
    failed = 0
    for (_, mime), outcome in zip(jobs, outcomes, strict=True):
        if isinstance(outcome, ExtractionError):
            failed += 1
        elif isinstance(outcome, BaseException):
            raise outcome
        else:
            pages += page_count(outcome, mime)
    return ExtractionRun(workers, passes, len(jobs), failed, pages, seconds)


async def _warm_up(runner: ExtractionRunner, folder: Path, workers: int) -> None:
    """Start every worker process and import the extractors in it."""
    sample = folder / "warm-up.txt"
    sample.write_text("warm up", encoding="utf-8")
    await asyncio.gather(*(runner.extract(sample, MIME_TEXT) for _ in range(workers * 2)))
