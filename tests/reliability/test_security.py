"""Security: the API key never reaches disk or screen, storage names cannot escape, files are private, SQL is bound."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from docdesk.core.store.connection import open_database
from docdesk.core.store.documents import update_metadata
from tests.cli_runner import REPO_ROOT, run_cli
from tests.reliability.crash_queue import write_lessons
from tests.reliability.db_checks import check_database, document_rows, read_only
from tests.reliability.processes import PtyApp, start_docdesk, wait_until, worker_env
from tests.reliability.servers import RecordingServer

SECRET = "sk-docdesk-test-SECRET-0123456789"
APP_PRESENT = (REPO_ROOT / "docdesk" / "tui" / "launch.py").is_file()
KEY_SHAPED = re.compile(rb"sk-[A-Za-z0-9_\-]{8,}")


def _files_containing(root: Path, needle: bytes) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file() and needle in path.read_bytes()]


def _data_files_containing(db: Path, needle: bytes) -> list[Path]:
    """Check the database, -wal and -shm files, read while the processes still have them open."""
    return [path for path in db.parent.glob(db.name + "*") if needle in path.read_bytes()]


@pytest.mark.slow
def test_key_never_stored(tmp_path: Path, corpus: Path) -> None:
    with RecordingServer(api_key="sk-the-key-the-server-expects") as server:
        db = tmp_path / "data" / "docdesk.sqlite3"
        env = worker_env(tmp_path, server, SECRET, DOCDESK_DB=str(db))
        write_lessons(tmp_path / "in", small=20, large=0)
        assert run_cli(env, "add", str(tmp_path / "in"), str(corpus / "pdf" / "pdflatex-4-pages.pdf")).returncode == 0

        # Phase 1: the server rejects the key and repeats it in each 401 message.
        worker = start_docdesk(env, tmp_path / "worker.out", "worker")
        app = PtyApp(env) if APP_PRESENT else None
        assert wait_until(lambda: server.stats().status_count(401) >= 2, timeout=30)
        time.sleep(1.0)
        leaked_while_running = _data_files_containing(db, SECRET.encode())
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
        screen = app.output if app is not None else b""
        if app is not None:
            app.crash()
        waiting = document_rows(db)

        # Phase 2: the key is accepted, so every document finishes and can be exported.
        server.api_key = SECRET
        finished = run_cli(env, "worker", "--until-idle", timeout=120)
        outputs = [
            finished,
            run_cli(env, "list", "--json"),
            run_cli(env, "export", "--output", str(tmp_path / "export.md")),
            run_cli(env, "export", "--format", "json", "--output", str(tmp_path / "export.json")),
            run_cli(env, "export", "--query", "volcano", "--output", str(tmp_path / "query.md")),
        ]

    assert server.stats().status_count(401) >= 2
    assert any("rejected the API key" in (row.last_error or "") for row in waiting)
    assert leaked_while_running == []
    assert SECRET.encode() not in screen
    assert {row.status for row in document_rows(db)} == {"ready"}
    assert [result.returncode for result in outputs] == [0] * len(outputs)
    assert all(SECRET not in result.stdout + result.stderr for result in outputs)
    assert _files_containing(tmp_path, SECRET.encode()) == []
    assert _files_containing(tmp_path, b"SECRET-0123456789") == []


def test_snapshots_show_no_key() -> None:
    """SVG screenshots in the repository must not show anything shaped like an OpenAI key."""
    svgs = [path for path in REPO_ROOT.rglob("*.svg") if ".git" not in path.parts]
    assert [path for path in svgs if KEY_SHAPED.search(path.read_bytes())] == []


# Names that try to leave the folder, confuse a shell or a terminal, or are simply long.
WEIRD_NAMES = (
    "..%2F..%2Fescape.txt",
    "...txt",
    "-rf --no-preserve-root.txt",
    "a\\..\\..\\windows.txt",
    "tab\tand\nnewline.txt",
    "\u202etxt.exe.md",
    " leading space.txt",
    "semi;colon'quote\"double.txt",
    "x" * 250 + ".txt",
)


def test_storage_names_stay_inside(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for number, name in enumerate(WEIRD_NAMES):
        (folder / name).write_text(f"Weird name {number} still holds a lesson.", encoding="utf-8")
    env = worker_env_without_server(tmp_path)
    db = tmp_path / "data" / "docdesk.sqlite3"

    # Each file is named on the command line, because a folder walk skips names starting with a dot.
    added = run_cli(env, "--db", str(db), "add", *(str(folder / name) for name in WEIRD_NAMES))
    rows = document_rows(db)
    storage = (db.parent / "files").resolve()

    assert added.returncode == 0, added.stderr
    assert sorted(row.filename for row in rows) == sorted(WEIRD_NAMES)
    for row in rows:
        stored = Path(row.storage_path).resolve()
        assert storage in stored.parents
        assert stored.name == f"{row.content_hash}{Path(row.filename).suffix.lower()}"
    assert [path.name for path in tmp_path.rglob("escape.txt")] == []
    assert [path.name for path in tmp_path.rglob("windows.txt")] == []


def worker_env_without_server(tmp_path: Path) -> dict[str, str]:
    """Environment for commands that need no provider: `add`, `list`, `export`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCDESK_", "OPENAI_", "EMBED_"))}
    env.update(
        DOCDESK_CONFIG=str(tmp_path / "absent-config.toml"),
        DOCDESK_LOG_DIR=str(tmp_path / "logs"),
        DOCDESK_DB=str(tmp_path / "data" / "docdesk.sqlite3"),
        DOCDESK_USER="tester",
        DOCDESK_PROVIDER="openai",
        OPENAI_API_KEY="unused-key",
        OPENAI_BASE_URL="http://127.0.0.1:9/v1",
    )
    return env


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_files_private_to_user(tmp_path: Path, server: RecordingServer) -> None:
    db = tmp_path / "data" / "docdesk.sqlite3"
    env = worker_env(tmp_path, server, "test-key", DOCDESK_DB=str(db))
    write_lessons(tmp_path / "in", small=5, large=0)
    assert run_cli(env, "add", str(tmp_path / "in")).returncode == 0
    storage = db.parent / "files"
    logs = tmp_path / "logs"

    # The -wal and -shm files exist only while a connection is open.
    worker = start_docdesk(env, tmp_path / "worker.out", "worker")
    try:
        assert wait_until(lambda: Path(f"{db}-wal").exists() and Path(f"{db}-shm").exists(), timeout=30)
        wal_modes = {Path(f"{db}{suffix}").name: _mode(Path(f"{db}{suffix}")) for suffix in ("-wal", "-shm")}
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    stored = [path for path in storage.rglob("*") if path.is_file()]
    folders = [storage, *(path for path in storage.rglob("*") if path.is_dir())]

    assert _mode(db.parent) == 0o700
    assert _mode(db) == 0o600
    assert wal_modes == {f"{db.name}-wal": 0o600, f"{db.name}-shm": 0o600}
    assert {_mode(path) for path in folders} == {0o700}
    assert len(stored) == 5
    assert {_mode(path) for path in stored} == {0o600}
    assert _mode(logs) == 0o700
    assert _mode(logs / "docdesk.log") == 0o600


SQL_TEXTS = (
    "'; DROP TABLE documents; --",
    'Robert"); DROP TABLE doc_chunks; --',
    "x' OR '1'='1",
    "1; DELETE FROM documents WHERE 1=1",
)


def test_sql_in_names_and_metadata(tmp_path: Path, server: RecordingServer) -> None:
    db = tmp_path / "data" / "docdesk.sqlite3"
    env = worker_env(tmp_path, server, "test-key", DOCDESK_DB=str(db))
    folder = tmp_path / "in"
    folder.mkdir()
    for number, text in enumerate(SQL_TEXTS):
        (folder / f"{text}.txt").write_text(f"Lesson {number} about volcanoes and magma.", encoding="utf-8")
    title, subject, grade = SQL_TEXTS[0], SQL_TEXTS[2], SQL_TEXTS[3]

    added = run_cli(env, "add", str(folder), "--title", title, "--subject", subject, "--grade", grade)
    processed = run_cli(env, "worker", "--until-idle", timeout=120)
    listed = run_cli(env, "list", "--json")
    exported = run_cli(env, "export", "--subject", subject, "--grade", grade)
    retried = run_cli(env, "retry", SQL_TEXTS[2])
    first_id = document_rows(db)[0].id
    edited = _edit_metadata(db, first_id, SQL_TEXTS[1])
    with read_only(db) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    documents = json.loads(listed.stdout)

    assert added.returncode == 0, added.stderr
    assert processed.returncode == 0, processed.stderr[-2000:]
    assert sorted(d["filename"] for d in documents) == sorted(f"{text}.txt" for text in SQL_TEXTS)
    assert {(d["title"], d["subject"], d["grade"]) for d in documents} == {(title, subject, grade)}
    assert {d["status"] for d in documents} == {"ready"}
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.count("volcanoes and magma") == len(SQL_TEXTS)
    assert retried.returncode == 1
    assert "not found" in retried.stderr
    assert edited == (SQL_TEXTS[1], SQL_TEXTS[1], SQL_TEXTS[1])
    assert {"documents", "doc_chunks", "doc_vectors", "embedding_cache"} <= tables
    assert len(document_rows(db)) == len(SQL_TEXTS)
    assert check_database(db).integrity == ["ok"]


def _edit_metadata(db: Path, doc_id: str, text: str) -> tuple[str, str, str]:
    """Set title, subject and grade through the store function the app's edit dialog uses; read them back."""

    async def edit() -> None:
        connection = await open_database(db)
        try:
            await update_metadata(connection, doc_id, title=text, subject=text, grade=text)
        finally:
            await connection.close()

    asyncio.run(edit())
    with read_only(db) as connection:
        row = connection.execute("SELECT title, subject, grade FROM documents WHERE id = ?", (doc_id,)).fetchone()
    return (row[0], row[1], row[2])


def test_sql_rule_enabled_and_clean() -> None:
    """ruff's S608 (SQL built from strings) is selected in pyproject.toml and finds nothing in docdesk."""
    ruff = Path(sys.executable).parent / "ruff"
    if not ruff.exists():
        pytest.skip(f"ruff is not installed beside {sys.executable}")
    selected = re.search(r'select = \[([^\]]*)\]', (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    result = subprocess.run(
        [str(ruff), "check", "--select", "S608", "--output-format", "concise", "docdesk"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False,
    )

    assert selected is not None
    assert '"S608"' in selected.group(1)
    assert result.returncode == 0, result.stdout

