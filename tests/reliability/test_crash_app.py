"""SIGKILL the terminal app, which runs a worker inside, then check a clean worker run finishes the queue intact."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from tests.cli_runner import REPO_ROOT, run_cli
from tests.reliability.conftest import API_KEY
from tests.reliability.crash_queue import add_queue, assert_database_sound, write_lessons, wrong_statuses
from tests.reliability.db_checks import document_rows, processing_stages
from tests.reliability.processes import PtyApp, worker_env
from tests.reliability.report import ReliabilityReport, ScenarioRow
from tests.reliability.servers import RecordingServer
from tests.support.fake_openai import Fault

KILLS = 5
SEED = 20240618
APP_PRESENT = (REPO_ROOT / "docdesk" / "tui" / "launch.py").is_file()


@pytest.mark.slow
@pytest.mark.skipif(not APP_PRESENT, reason="the terminal app (docdesk/tui/launch.py) is not in this tree")
def test_app_survives_sigkill(
    tmp_path: Path, corpus: Path, server: RecordingServer, reliability_report: ReliabilityReport
) -> None:
    db = tmp_path / "data" / "docdesk.sqlite3"
    env = worker_env(tmp_path, server, API_KEY, DOCDESK_DB=str(db))
    write_lessons(tmp_path / "in", small=200, large=2)
    total = add_queue(env, db, tmp_path / "in", corpus)
    rng = random.Random(SEED)
    busy_kills = 0

    for round_number in range(KILLS):
        if round_number % 2:
            server.set_fault_rate(Fault.delay(1.0), 0.7)
        else:
            server.clear_faults()
        app = PtyApp(env)
        # The app needs about two seconds to start its worker.
        time.sleep(rng.uniform(2.5, 5.0))
        alive = app.running()
        in_hand = processing_stages(db)
        app.crash()
        assert alive, "the app exited before it was killed: " + app.output[-1500:].decode(errors="replace")
        busy_kills += bool(in_hand)

    server.clear_faults()
    ready_from_app = sum(row.status == "ready" for row in document_rows(db))
    final = run_cli(env, "--db", str(db), "worker", "--until-idle", timeout=240)
    rows = document_rows(db)
    reliability_report.record(
        ScenarioRow(
            f"SIGKILL of the terminal app {KILLS} times, then one clean worker run",
            total,
            server.stats().requests,
            server.stats().status_count(429),
            f"{sum(r.status == 'ready' for r in rows)} ready, {sum(r.status == 'error' for r in rows)} error; "
            f"{busy_kills} kills hit documents in hand; {ready_from_app} documents finished by the app itself",
            group="process",
        )
    )

    assert final.returncode == 0, final.stderr[-2000:]
    assert busy_kills > 0, "some kills must interrupt work in progress"
    assert ready_from_app > 0, "the app's own worker must finish documents between the kills"
    assert wrong_statuses(db) == []
    assert_database_sound(db)
