"""Bad input, one test per case: each ends in a defined outcome and never stops a good document beside it."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from docdesk.core.errors import RejectedFileError
from docdesk.core.intake.add import add_file, expand_paths
from docdesk.core.intake.watch import FolderWatcher, WatchEvent, WatchRejected
from docdesk.core.settings import Settings
from docdesk.core.store.connection import open_database
from tests.cli_runner import run_cli
from tests.reliability.bad_files import CASES, BadInput
from tests.reliability.conftest import API_KEY
from tests.reliability.db_checks import DocumentRow, chunk_texts, document_rows
from tests.reliability.fault_runs import drain, make_provider
from tests.reliability.processes import worker_env
from tests.reliability.servers import RecordingServer
from tests.worker_helpers import fast_settings

GOOD_TEXT = "Glaciers carve valleys over thousands of years."


async def _add(config: Settings, path: Path) -> str | None:
    """Add `path` and return the rejection message, or None when it was queued."""
    db = await open_database(config.resolved_db_path)
    try:
        await add_file(db, path, storage_dir=config.resolved_storage_dir, user_id="tester")
    except RejectedFileError as problem:
        return str(problem)
    finally:
        await db.close()
    return None


def _write_good(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "good.txt"
    path.write_text(GOOD_TEXT, encoding="utf-8")
    return path


async def _process(config: Settings) -> None:
    provider = make_provider(config)
    try:
        await drain(config, provider, timeout=90)
    finally:
        await provider.aclose()


def _good_row(rows: list[DocumentRow]) -> DocumentRow:
    [good] = [row for row in rows if row.filename == "good.txt"]
    return good


@pytest.mark.parametrize("name", sorted(CASES))
async def test_bad_input(
    name: str, settings: Settings, server: RecordingServer, tmp_path: Path, corpus: Path
) -> None:
    case: BadInput = CASES[name]
    config = fast_settings(settings, server, extraction_timeout_seconds=case.extraction_timeout)
    path = case.build(tmp_path / "case", corpus)
    rejection = await _add(config, path)
    assert await _add(config, _write_good(tmp_path / "good")) is None

    await _process(config)
    rows = document_rows(config.resolved_db_path)
    others = [row for row in rows if row.filename != "good.txt"]

    assert _good_row(rows).status == "ready"
    if case.outcome == "rejected":
        assert rejection is not None
        assert case.expected in rejection
        assert "\n" not in rejection
        assert others == []
        return
    assert rejection is None
    [row] = others
    assert row.filename == path.name
    assert row.status == case.outcome, row.last_error
    if case.outcome == "error":
        assert case.expected in (row.last_error or "")
        assert "\n" not in (row.last_error or "")
        assert row.retry_count == 0
    else:
        assert case.expected in " ".join(chunk_texts(config.resolved_db_path, row.id))


async def test_file_vanishes_before_intake(
    settings: Settings, server: RecordingServer, tmp_path: Path
) -> None:
    config = fast_settings(settings, server)
    folder = tmp_path / "in"
    _write_good(folder)
    (folder / "vanishing.txt").write_text("Gone before it was read.", encoding="utf-8")
    found = list(expand_paths([folder]))
    (folder / "vanishing.txt").unlink()

    messages = [await _add(config, path) for path in found]
    await _process(config)
    rows = document_rows(config.resolved_db_path)
    rejections = [message for message in messages if message is not None]

    assert len(found) == 2
    assert len(rejections) == 1
    assert "vanishing.txt: file not found" in rejections[0]
    assert [row.filename for row in rows] == ["good.txt"]
    assert _good_row(rows).status == "ready"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files without read permission, so nothing is denied")
async def test_unreadable_file_rejected(settings: Settings, server: RecordingServer, tmp_path: Path) -> None:
    config = fast_settings(settings, server)
    secret = tmp_path / "in" / "private.txt"
    secret.parent.mkdir(parents=True)
    secret.write_text("Not for docdesk.", encoding="utf-8")
    secret.chmod(0)

    rejection = await _add(config, secret)
    assert await _add(config, _write_good(tmp_path / "good")) is None
    await _process(config)
    rows = document_rows(config.resolved_db_path)

    assert rejection is not None
    assert "permission denied" in rejection
    assert [row.filename for row in rows] == ["good.txt"]
    assert _good_row(rows).status == "ready"


def _folder_with_link_loops(folder: Path) -> None:
    """A good file beside a self-link, a two-link cycle and a link to its own folder."""
    _write_good(folder)
    (folder / "self.txt").symlink_to("self.txt")
    (folder / "ping.txt").symlink_to("pong.txt")
    (folder / "pong.txt").symlink_to("ping.txt")
    (folder / "again").symlink_to(".", target_is_directory=True)


def test_add_folder_with_link_loops(tmp_path: Path, server: RecordingServer) -> None:
    folder = tmp_path / "in"
    _folder_with_link_loops(folder)
    db = tmp_path / "data" / "docdesk.sqlite3"
    env = worker_env(tmp_path, server, API_KEY)

    added = run_cli(env, "--db", str(db), "add", str(folder), timeout=60)
    processed = run_cli(env, "--db", str(db), "worker", "--until-idle", timeout=120)
    rows = document_rows(db)
    errors = added.stderr.strip().splitlines()

    assert added.returncode == 1
    assert len(errors) == 3
    assert all("self.txt" in line or "ping.txt" in line or "pong.txt" in line for line in errors)
    assert processed.returncode == 0, processed.stderr[-2000:]
    assert [row.filename for row in rows] == ["good.txt"]
    assert _good_row(rows).status == "ready"


async def test_watch_folder_with_link_loops(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "watched"
    _folder_with_link_loops(folder)
    events: list[WatchEvent] = []
    stop = asyncio.Event()
    watcher = FolderWatcher(settings, folder, events.append, stable_seconds=0.2, poll_seconds=0.05)
    # The schema exists before polling starts; otherwise a poll can land between the watcher
    # creating the database file and migrating it, and find no documents table.
    await (await open_database(settings.resolved_db_path)).close()

    watching = asyncio.create_task(watcher.run(stop))
    for _ in range(100):
        await asyncio.sleep(0.05)
        if any(row.filename == "good.txt" for row in document_rows(settings.resolved_db_path)):
            break
    await asyncio.sleep(0.5)
    stop.set()
    await asyncio.wait_for(watching, 10)
    rows = document_rows(settings.resolved_db_path)
    rejected = [event for event in events if isinstance(event, WatchRejected)]

    assert [row.filename for row in rows] == ["good.txt"]
    assert all("\n" not in event.reason for event in rejected)
