"""Fixtures of the reliability suite: the report collector and the recording fake server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cli_runner import REPO_ROOT
from tests.reliability.report import ReliabilityReport
from tests.reliability.servers import RecordingServer

API_KEY = "test-key"
REPORT_PATH = REPO_ROOT / "docs" / "reliability.md"


@pytest.fixture(scope="session")
def reliability_report() -> Iterator[ReliabilityReport]:
    """Collect the rows the fault tests record and write docs/reliability.md when the session ends.

    Only a session that ran at least one recording test writes the page.
    """
    report = ReliabilityReport()
    yield report
    if report.rows:
        report.write(REPORT_PATH)


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    running = RecordingServer(api_key=API_KEY)
    running.start()
    try:
        yield running
    finally:
        running.stop()
