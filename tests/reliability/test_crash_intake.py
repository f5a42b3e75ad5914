"""SIGKILL `docdesk add` while it copies a 200 MB file: never a partial stored file, never a half-added document."""

from __future__ import annotations

import hashlib
import random
import time
from pathlib import Path

import pytest

from tests.cli_runner import run_cli
from tests.reliability.conftest import API_KEY
from tests.reliability.db_checks import document_rows
from tests.reliability.processes import crash, start_docdesk, worker_env
from tests.reliability.report import ReliabilityReport, ScenarioRow
from tests.reliability.servers import RecordingServer

SIZE = 200 * 1024 * 1024
KILLS = 6
SEED = 20240619


def write_sparse_pdf(path: Path, marker: int) -> None:
    """Write a 200 MB file that passes the PDF header check. It is sparse, so it costs no disk space."""
    with path.open("wb") as handle:
        handle.write(f"%PDF-1.4\n% intake crash round {marker}\n".encode())
        handle.truncate(SIZE)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def stored_files(storage: Path) -> list[Path]:
    """Return the files under their final storage names. Temporary copies start with a dot."""
    return [path for path in storage.rglob("*") if path.is_file() and not path.name.startswith(".")]


@pytest.mark.slow
def test_add_survives_sigkill(
    tmp_path: Path, server: RecordingServer, reliability_report: ReliabilityReport
) -> None:
    db = tmp_path / "data" / "docdesk.sqlite3"
    storage = db.parent / "files"
    env = worker_env(tmp_path, server, API_KEY)
    rng = random.Random(SEED)
    source = tmp_path / "big.pdf"
    interrupted = 0
    # One uninterrupted add measures how long an add takes on this machine, so kills can land inside it.
    write_sparse_pdf(source, KILLS)
    started = time.monotonic()
    assert run_cli(env, "--db", str(db), "add", str(source)).returncode == 0
    duration = time.monotonic() - started

    for round_number in range(KILLS):
        write_sparse_pdf(source, round_number)
        content_hash = sha256_of(source)
        adding = start_docdesk(env, tmp_path / "add.out", "--db", str(db), "add", str(source))
        time.sleep(rng.uniform(0.1, 0.95) * duration)
        interrupted += adding.poll() is None
        crash(adding)

        matching = [row for row in document_rows(db) if row.content_hash == content_hash] if db.exists() else []
        assert len(matching) <= 1
        for row in matching:
            assert Path(row.storage_path).is_file()
            assert row.size == SIZE

    write_sparse_pdf(source, KILLS - 1)
    final = run_cli(env, "--db", str(db), "add", str(source))
    rows = document_rows(db)
    [last] = [row for row in rows if row.content_hash == sha256_of(source)]
    # A worker deletes these copies once they are an hour old (see test_storage.py); right after the kills they remain.
    leftovers = [path for path in storage.rglob(".incoming-*")]
    reliability_report.record(
        ScenarioRow(
            f"SIGKILL of `docdesk add` of a 200 MB file, {KILLS} times",
            len(rows),
            0,
            0,
            f"{interrupted} adds interrupted; {len(rows)} complete documents; no partial stored file; "
            f"{len(leftovers)} temporary copies left in storage",
            group="process",
        )
    )

    assert final.returncode == 0, final.stderr
    assert interrupted >= 2, "some kills must land before the add finished"
    assert last.status == "queued"
    for path in stored_files(storage):
        assert sha256_of(path) == path.name.removesuffix(".pdf")
    for row in rows:
        assert sha256_of(Path(row.storage_path)) == row.content_hash
