"""Several processes on one database: each document processed once, no duplicate documents, no lock failures."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest

from docdesk.core.intake.watch import FolderWatcher, WatchEvent
from docdesk.core.settings import Settings
from docdesk.core.store.connection import open_database
from tests.cli_runner import REPO_ROOT, run_cli
from tests.reliability.conftest import API_KEY
from tests.reliability.crash_queue import assert_database_sound, write_lessons
from tests.reliability.db_checks import all_chunk_texts, document_rows
from tests.reliability.processes import PtyApp, start_docdesk, wait_until, worker_env
from tests.reliability.report import ReliabilityReport, ScenarioRow
from tests.reliability.servers import RecordingServer

APP_PRESENT = (REPO_ROOT / "docdesk" / "tui" / "launch.py").is_file()
LOCKED = re.compile(r"database is locked", re.IGNORECASE)


def _log_text(tmp_path: Path) -> str:
    """Everything the processes wrote: the docdesk log files and the captured terminal output."""
    files = [*(tmp_path / "logs").glob("docdesk.log*"), *tmp_path.glob("*.out")]
    return "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in files)


def _processing_pids(log: str) -> set[str]:
    """Return the process ids that logged a document as ready (the log format has the pid third)."""
    return set(re.findall(r"^\S+ \S+ \S+ (\d+) docdesk\.core\.worker\.document_job: \S+ is ready", log, re.MULTILINE))


@pytest.mark.slow
def test_workers_share_queue(
    tmp_path: Path, server: RecordingServer, reliability_report: ReliabilityReport
) -> None:
    db = tmp_path / "data" / "docdesk.sqlite3"
    env = worker_env(tmp_path, server, API_KEY, DOCDESK_LEASE_SECONDS="10")
    write_lessons(tmp_path / "in", small=500, large=0)
    assert run_cli(env, "--db", str(db), "add", str(tmp_path / "in")).returncode == 0

    app = PtyApp(env) if APP_PRESENT else None
    if app is not None:
        # The headless workers would empty the queue before the app's own worker starts.
        started = f" {app.process.pid} docdesk.core.worker.worker: worker "
        assert wait_until(lambda: started in _log_text(tmp_path), timeout=30), app.output[-1500:]
    workers = [
        start_docdesk(env, tmp_path / f"worker-{n}.out", "--db", str(db), "worker", "--until-idle") for n in (1, 2)
    ]
    try:
        codes = [worker.wait(timeout=180) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
        if app is not None:
            app.crash()
    rows = document_rows(db)
    stats = server.stats()
    log = _log_text(tmp_path)
    chunks = all_chunk_texts(db)
    members = "two `docdesk worker` processes" + (" and the app" if app is not None else "")
    reliability_report.record(
        ScenarioRow(
            f"{members} on one database",
            len(rows),
            stats.requests,
            stats.status_count(429),
            f"{sum(r.status == 'ready' for r in rows)} ready; {len(_processing_pids(log))} processes did work; "
            f"{len(stats.embedded_twice)} texts embedded twice",
            group="process",
        )
    )

    assert codes == [0, 0]
    assert {row.status for row in rows} == {"ready"}
    assert len(rows) == 500
    assert stats.embedded_twice == []
    assert set(chunks) <= set(stats.embedded)
    assert len(_processing_pids(log)) == 2 + (app is not None), "every process must take a share of the queue"
    assert LOCKED.findall(log) == []
    assert_database_sound(db)


async def _watch_until_settled(settings: Settings, folder: Path, expected: int, events: list[WatchEvent]) -> None:
    """Run the folder watcher until `expected` documents exist and one more second passed."""
    stop = asyncio.Event()
    watcher = FolderWatcher(settings, folder, events.append, stable_seconds=0.3, poll_seconds=0.05)
    # Migrate first, so a poll never finds the database file before its documents table.
    await (await open_database(settings.resolved_db_path)).close()
    watching = asyncio.create_task(watcher.run(stop))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        if settings.resolved_db_path.exists() and len(document_rows(settings.resolved_db_path)) >= expected:
            break
    await asyncio.sleep(1.0)
    stop.set()
    await asyncio.wait_for(watching, 10)


async def test_parallel_adds_no_duplicates(
    settings: Settings, server: RecordingServer, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    write_lessons(folder, small=150, large=0)
    db = settings.resolved_db_path
    env = worker_env(tmp_path, server, API_KEY, DOCDESK_DB=str(db))
    events: list[WatchEvent] = []

    adds = [start_docdesk(env, tmp_path / f"add-{n}.out", "--db", str(db), "add", str(folder)) for n in (1, 2)]
    await _watch_until_settled(settings, folder, 150, events)
    codes = [await asyncio.to_thread(process.wait, 60) for process in adds]
    rows = document_rows(db)
    hashes = [row.content_hash for row in rows]
    stored = [path for path in settings.resolved_storage_dir.rglob("*") if path.is_file()]
    log = _log_text(tmp_path)

    assert codes == [0, 0]
    assert len(rows) == 150
    assert len(set(hashes)) == 150
    assert len({row.filename for row in rows}) == 150
    assert len(stored) == 150
    assert LOCKED.findall(log) == []
