"""SIGKILL a headless `docdesk worker` twenty times over one queue, then check a clean run finishes it intact."""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.cli_runner import run_cli
from tests.reliability.conftest import API_KEY
from tests.reliability.crash_queue import add_queue, assert_database_sound, write_lessons, wrong_statuses
from tests.reliability.db_checks import document_rows, processing_stages
from tests.reliability.processes import crash, start_docdesk, worker_env
from tests.reliability.report import ReliabilityReport, ScenarioRow
from tests.reliability.servers import RecordingServer
from tests.support.fake_openai import Fault

KILLS = 20
SLOW_PDF = "pdf/GeoTopo-komprimiert.pdf"
SEED = 20240617


@pytest.mark.slow
def test_worker_survives_sigkill(
    tmp_path: Path, corpus: Path, server: RecordingServer, reliability_report: ReliabilityReport
) -> None:
    db = tmp_path / "data" / "docdesk.sqlite3"
    env = worker_env(tmp_path, server, API_KEY)
    write_lessons(tmp_path / "in", small=400, large=4)
    add_queue(env, db, tmp_path / "in", corpus)
    # Added last, so it is claimed once the rest is done: a 117-page PDF that takes seconds to
    # extract keeps the later rounds busy however fast the worker gets through the rest.
    assert run_cli(env, "--db", str(db), "add", str(corpus / SLOW_PDF)).returncode == 0
    total = len(document_rows(db))
    rng = random.Random(SEED)
    stages: Counter[str] = Counter()
    busy_kills = 0

    for round_number in range(KILLS):
        # In every third round the server replies slowly, so those kills land while requests are in flight.
        if round_number % 3 == 1:
            server.set_fault_rate(Fault.delay(1.0), 0.7)
        else:
            server.clear_faults()
        worker = start_docdesk(env, tmp_path / "worker.out", "--db", str(db), "worker")
        time.sleep(rng.uniform(0.8, 3.5))
        in_hand = processing_stages(db)
        crash(worker)
        stages.update(set(in_hand))
        busy_kills += bool(in_hand)

    server.clear_faults()
    final = run_cli(env, "--db", str(db), "worker", "--until-idle", timeout=240)
    rows = document_rows(db)
    reliability_report.record(
        ScenarioRow(
            f"SIGKILL of `docdesk worker` {KILLS} times, then one clean run",
            total,
            server.stats().requests,
            server.stats().status_count(429),
            f"{sum(r.status == 'ready' for r in rows)} ready, {sum(r.status == 'error' for r in rows)} error; "
            f"{busy_kills} kills hit documents in hand, {stages['extracting']} during extraction, "
            f"{stages['embedding']} during embedding",
            group="process",
        )
    )

    assert final.returncode == 0, final.stderr[-2000:]
    assert busy_kills >= KILLS // 2, "most kills must interrupt work in progress"
    assert stages["extracting"] > 0
    assert stages["embedding"] > 0
    assert wrong_statuses(db) == []
    assert all("\n" not in (row.last_error or "") for row in rows)
    assert_database_sound(db)
