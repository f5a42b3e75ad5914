"""ExtractionRunner: real worker processes, time and memory limits, crashes and logging.

The `_target_*` functions run inside spawned workers, which import them from this module.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from docdesk.core.errors import ExtractionError
from docdesk.core.extraction import ExtractionRunner
from docdesk.core.intake.filetypes import MIME_PDF
from docdesk.core.models import Extracted, Page

REPO_ROOT = Path(__file__).resolve().parents[1]
PDF_FOLDER = REPO_ROOT.parent / "shared" / "corpus" / "pdf"
GEOTOPO = PDF_FOLDER / "GeoTopo-komprimiert.pdf"
SMALL_PDF = PDF_FOLDER / "issue-297.pdf"

pytestmark = pytest.mark.timeout(60)


def _target_kill_self(path: Path, mime: str) -> Extracted:
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


def _target_segfault(path: Path, mime: str) -> Extracted:
    os.kill(os.getpid(), signal.SIGSEGV)
    raise AssertionError("unreachable")


def _target_allocate_gigabyte(path: Path, mime: str) -> Extracted:
    block = bytearray(1024 * 1024 * 1024)
    return Extracted(pages=[Page(number=None, text=str(len(block)))])


def _target_raise_key_error(path: Path, mime: str) -> Extracted:
    raise KeyError("/Root")


def _target_log_repeats(path: Path, mime: str) -> Extracted:
    # The shape of pypdf's font warnings: a fixed text, then a part that varies.
    noisy = logging.getLogger("pypdf._cmap")
    for font in range(2000):
        noisy.warning("fontTools is required to parse the encoding of font number %d", font)
    logging.getLogger("pypdf._reader").warning("a different message")
    return Extracted(pages=[Page(number=None, text="done")])


def _target_log_distinct(path: Path, mime: str) -> Extracted:
    for index in range(600):
        logging.getLogger("docdesk.test").warning("distinct message %s", chr(0x4E00 + index))
    return Extracted(pages=[Page(number=None, text="done")])


def _target_dispatch(path: Path, mime: str) -> Extracted:
    # One runner serves both a misbehaving and a normal document, so that the test shows
    # the replacement worker handling the next document.
    if mime == "test/kill":
        return _target_kill_self(path, mime)
    if mime == "test/allocate":
        return _target_allocate_gigabyte(path, mime)
    from docdesk.core.extraction import extract_file

    return extract_file(path, mime)


@pytest.fixture
def runner() -> Iterator[ExtractionRunner]:
    with ExtractionRunner(workers=1, timeout_seconds=60) as instance:
        yield instance


async def test_runner_extracts_pdf(runner: ExtractionRunner) -> None:
    extracted = await runner.extract(PDF_FOLDER / "pdflatex-4-pages.pdf", MIME_PDF)
    assert [page.number for page in extracted.pages] == [1, 2, 3, 4]


async def test_runner_passes_extraction_error(runner: ExtractionRunner) -> None:
    with pytest.raises(ExtractionError, match="password-protected"):
        await runner.extract(PDF_FOLDER / "libreoffice-writer-password.pdf", MIME_PDF)


async def test_runner_parallel_documents() -> None:
    with ExtractionRunner(workers=2, timeout_seconds=60) as runner:
        results = await asyncio.gather(
            runner.extract(PDF_FOLDER / "habibi.pdf", MIME_PDF),
            runner.extract(PDF_FOLDER / "crazyones-pdfa.pdf", MIME_PDF),
        )
    assert "habibi" in results[0].pages[0].text
    assert "The Crazy Ones" in results[1].pages[0].text


async def test_runner_timeout_then_usable() -> None:
    # GeoTopo takes seconds to parse, far longer than the limit.
    with ExtractionRunner(workers=1, timeout_seconds=0.5) as runner:
        with pytest.raises(ExtractionError) as caught:
            await runner.extract(GEOTOPO, MIME_PDF)
        assert str(caught.value) == "extraction timed out after 0.5 s (the file may be damaged)"

        extracted = await runner.extract(SMALL_PDF, MIME_PDF)
    assert extracted.pages[0].text == "test example"


async def test_runner_keeps_loop_responsive() -> None:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    with ExtractionRunner(workers=1, timeout_seconds=1) as runner:
        with pytest.raises(ExtractionError, match="timed out"):
            await runner.extract(GEOTOPO, MIME_PDF)
    ticker.cancel()
    # About 100 ticks fit in the one-second timeout; a blocked loop would give almost none.
    assert ticks > 30


async def test_runner_killed_worker_then_usable() -> None:
    with ExtractionRunner(workers=1, target=_target_dispatch) as runner:
        with pytest.raises(ExtractionError) as caught:
            await runner.extract(SMALL_PDF, "test/kill")
        assert "killed (SIGKILL)" in str(caught.value)

        extracted = await runner.extract(SMALL_PDF, MIME_PDF)
    assert extracted.pages[0].text == "test example"


async def test_runner_crashed_worker() -> None:
    with ExtractionRunner(workers=1, target=_target_segfault) as runner:
        with pytest.raises(ExtractionError) as caught:
            await runner.extract(SMALL_PDF, MIME_PDF)
    assert str(caught.value) == "extraction process crashed (SIGSEGV)"


async def test_runner_memory_limit_then_usable() -> None:
    with ExtractionRunner(workers=1, memory_limit_mb=512, target=_target_dispatch) as runner:
        with pytest.raises(ExtractionError) as caught:
            await runner.extract(SMALL_PDF, "test/allocate")
        assert str(caught.value).startswith("extraction ran out of memory (limit 512 MB)")

        extracted = await runner.extract(SMALL_PDF, MIME_PDF)
    assert extracted.pages[0].text == "test example"


async def test_runner_unexpected_exception() -> None:
    with ExtractionRunner(workers=1, target=_target_raise_key_error) as runner:
        with pytest.raises(ExtractionError) as caught:
            await runner.extract(SMALL_PDF, MIME_PDF)
    assert str(caught.value) == "extraction failed: KeyError: '/Root'"


async def test_runner_cancel_then_usable(runner: ExtractionRunner) -> None:
    task = asyncio.create_task(runner.extract(GEOTOPO, MIME_PDF))
    await asyncio.sleep(0.5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    extracted = await runner.extract(SMALL_PDF, MIME_PDF)
    assert extracted.pages[0].text == "test example"


async def test_runner_replays_worker_logs(runner: ExtractionRunner, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        await runner.extract(SMALL_PDF, MIME_PDF)
    assert any(record.name.startswith("pypdf") for record in caplog.records)


async def test_runner_collapses_repeated_logs(caplog: pytest.LogCaptureFixture) -> None:
    with ExtractionRunner(workers=1, target=_target_log_repeats) as runner:
        with caplog.at_level(logging.WARNING):
            await runner.extract(SMALL_PDF, MIME_PDF)
    messages = [record.getMessage() for record in caplog.records]
    assert messages[0] == "fontTools is required to parse the encoding of font number 0"
    assert messages[1] == "a different message"
    assert messages[2].startswith("1999 more messages like this one: fontTools is required")
    assert len(messages) == 3


async def test_runner_caps_distinct_logs(caplog: pytest.LogCaptureFixture) -> None:
    with ExtractionRunner(workers=1, target=_target_log_distinct) as runner:
        with caplog.at_level(logging.WARNING):
            await runner.extract(SMALL_PDF, MIME_PDF)
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 501
    assert messages[-1] == "100 more log messages dropped after 500"


async def test_runner_nothing_on_stderr(runner: ExtractionRunner, capfd: pytest.CaptureFixture[str]) -> None:
    # Workers inherit file descriptor 2, so anything they printed would show up here.
    await runner.extract(SMALL_PDF, MIME_PDF)
    await runner.extract(PDF_FOLDER / "multicolumn.pdf", MIME_PDF)
    assert capfd.readouterr().err == ""


async def test_runner_closed() -> None:
    runner = ExtractionRunner(workers=1)
    runner.close()
    with pytest.raises(RuntimeError, match="closed"):
        await runner.extract(SMALL_PDF, MIME_PDF)


@pytest.mark.parametrize(
    "arguments",
    [{"workers": 0}, {"timeout_seconds": 0}, {"memory_limit_mb": 0}],
)
def test_runner_invalid_arguments(arguments: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        ExtractionRunner(**arguments)  # type: ignore[arg-type]
