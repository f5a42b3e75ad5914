"""The app with its real in-app worker, the fake OpenAI server on 127.0.0.1, the picker and the watcher."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from textual.widgets import Input

from docdesk.core.intake.add import add_file
from docdesk.core.models import Status
from docdesk.core.settings import Settings
from docdesk.core.store.connection import open_database
from docdesk.tui.app import DocdeskApp
from docdesk.tui.screens.file_picker import FilePickerScreen
from docdesk.tui.widgets.file_tree import MarkableDirectoryTree
from tests.support.fake_openai import FakeOpenAIServer, Fault
from tests.tui.helpers import (
    Notes,
    corpus_file,
    fetch_one,
    make_settings,
    status_bar_text,
    status_of,
    wait_until,
)

READY_TIMEOUT = 60.0


def statuses(app: DocdeskApp) -> dict[str, Status]:
    return {d.filename: d.status for d in app.main.table.documents.values()}


async def add_before_start(settings: Settings, path: Path) -> str:
    db = await open_database(settings.resolved_db_path)
    try:
        result = await add_file(db, path, storage_dir=settings.resolved_storage_dir, user_id="tester")
    finally:
        await db.close()
    return result.document.id


async def test_picker_adds_marked_files(tmp_path: Path, notes: Notes) -> None:
    settings = make_settings(tmp_path)
    app = DocdeskApp(settings, start_worker=False, start_folder=corpus_file("docx"))
    async with app.run_test(size=(140, 34), message_hook=notes) as pilot:
        await app.loaded.wait()
        await pilot.press("a")
        assert isinstance(app.screen, FilePickerScreen)
        tree = app.screen.query_one(MarkableDirectoryTree)
        await wait_until(pilot, lambda: len(tree.root.children) >= 2, 5, "the folder listing")
        await pilot.press("down", "space", "down", "space", "ctrl+s")
        await wait_until(pilot, lambda: len(app.main.table.documents) == 2, 5, "two new rows")
        assert statuses(app) == {
            "blk-paras-and-tables.docx": Status.QUEUED,
            "having-images.docx": Status.QUEUED,
        }
        assert notes.has("Queued 2 files")


async def test_picker_marks_typed_path(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    app = DocdeskApp(settings, start_worker=False, start_folder=tmp_path)
    async with app.run_test(size=(140, 34)) as pilot:
        await app.loaded.wait()
        await pilot.press("a")
        folder = app.screen.query_one("#folder", Input)
        folder.value = str(corpus_file("multicolumn-lorem-ipsum.txt"))
        folder.focus()
        await pilot.press("enter", "ctrl+s")
        await wait_until(pilot, lambda: len(app.main.table.documents) == 1, 5, "the new row")
        assert statuses(app) == {"multicolumn-lorem-ipsum.txt": Status.QUEUED}


async def test_picker_reports_rejected_file(tmp_path: Path, notes: Notes) -> None:
    fake_pdf = tmp_path / "inbox" / "notes.pdf"
    fake_pdf.parent.mkdir()
    fake_pdf.write_text("this is not a PDF", encoding="utf-8")
    settings = make_settings(tmp_path)
    app = DocdeskApp(settings, start_worker=False, start_folder=fake_pdf.parent)
    async with app.run_test(size=(140, 34), message_hook=notes) as pilot:
        await app.loaded.wait()
        await pilot.press("a")
        tree = app.screen.query_one(MarkableDirectoryTree)
        await wait_until(pilot, lambda: len(tree.root.children) == 1, 5, "the folder listing")
        await pilot.press("down", "enter", "ctrl+s")
        await wait_until(pilot, lambda: notes.has("Not added"), 5, "the rejection")
        assert notes.has("notes.pdf is not a valid PDF")
        assert app.main.table.documents == {}


async def test_added_file_becomes_ready(tmp_path: Path, fake_openai: FakeOpenAIServer) -> None:
    settings = make_settings(tmp_path, fake_openai)
    app = DocdeskApp(settings, start_folder=tmp_path)
    async with app.run_test(size=(140, 34)) as pilot:
        await app.loaded.wait()
        await pilot.press("a")
        folder = app.screen.query_one("#folder", Input)
        folder.value = str(corpus_file("multicolumn-lorem-ipsum.txt"))
        folder.focus()
        await pilot.press("enter", "ctrl+s")
        await wait_until(pilot, lambda: statuses(app).get("multicolumn-lorem-ipsum.txt") is Status.READY,
                         READY_TIMEOUT, "the document to become ready")
        await wait_until(pilot, lambda: "idle" in status_bar_text(app), 3, "the idle provider state")


async def test_watched_file_appears_queued(tmp_path: Path, notes: Notes) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    settings = make_settings(tmp_path, watch_dir=inbox)
    app = DocdeskApp(settings, start_worker=False)
    async with app.run_test(size=(140, 34), message_hook=notes) as pilot:
        await app.loaded.wait()
        await wait_until(pilot, lambda: app.watch_host is not None and app.watch_host.watching, 5, "the watcher")
        shutil.copy(corpus_file("multicolumn-lorem-ipsum.txt"), inbox / "lorem.txt")
        await wait_until(pilot, lambda: statuses(app).get("lorem.txt") is Status.QUEUED, 10, "the watched file")
        assert notes.has("Queued lorem.txt from the watched folder")
        assert f"watching {inbox}" in status_bar_text(app)


async def test_watched_file_becomes_ready(tmp_path: Path, fake_openai: FakeOpenAIServer) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    settings = make_settings(tmp_path, fake_openai, watch_dir=inbox)
    app = DocdeskApp(settings)
    async with app.run_test(size=(140, 34)) as pilot:
        await app.loaded.wait()
        await wait_until(pilot, lambda: app.watch_host is not None and app.watch_host.watching, 5, "the watcher")
        shutil.copy(corpus_file("pdf", "google-doc-document.pdf"), inbox / "zen.pdf")
        await wait_until(pilot, lambda: statuses(app).get("zen.pdf") is Status.READY, READY_TIMEOUT,
                         "the watched file to become ready")


async def test_missing_watch_folder_is_reported(tmp_path: Path, notes: Notes) -> None:
    settings = make_settings(tmp_path, watch_dir=tmp_path / "absent")
    app = DocdeskApp(settings, start_worker=False)
    async with app.run_test(size=(140, 34), message_hook=notes) as pilot:
        await app.loaded.wait()
        await wait_until(pilot, lambda: notes.has("Not watching"), 5, "the watcher's complaint")
        assert notes.has("absent")
        assert "not watching" in status_bar_text(app)


async def test_outage_pauses_then_recovers(tmp_path: Path, fake_openai: FakeOpenAIServer) -> None:
    settings = make_settings(tmp_path, fake_openai)
    doc_id = await add_before_start(settings, corpus_file("multicolumn-lorem-ipsum.txt"))
    fake_openai.exhaust_quota()
    app = DocdeskApp(settings)
    async with app.run_test(size=(140, 34)) as pilot:
        await app.loaded.wait()
        await wait_until(pilot, lambda: "paused: quota exhausted" in status_bar_text(app), 30, "the pause")
        assert "next try in" in status_bar_text(app)
        await wait_until(pilot, lambda: status_of(app, doc_id) is Status.QUEUED, 10, "the document to wait")
        document = app.main.table.documents[doc_id]
        assert document.last_error is not None
        assert "waiting for the provider" in document.last_error
        fake_openai.restore_quota()
        await wait_until(pilot, lambda: status_of(app, doc_id) is Status.READY, READY_TIMEOUT, "the recovery")
        await wait_until(pilot, lambda: "paused" not in status_bar_text(app), 5, "the pause to end")


async def test_quit_while_processing_requeues(tmp_path: Path, fake_openai: FakeOpenAIServer) -> None:
    settings = make_settings(tmp_path, fake_openai)
    doc_id = await add_before_start(settings, corpus_file("multicolumn-lorem-ipsum.txt"))
    fake_openai.set_fault_rate(Fault.delay(30), 1.0)
    app = DocdeskApp(settings)
    async with app.run_test(size=(140, 34)) as pilot:
        await app.loaded.wait()
        await wait_until(pilot, lambda: fake_openai.stats().requests > 0, 30, "a request in flight")
        await wait_until(pilot, lambda: status_of(app, doc_id) is Status.PROCESSING, 3, "the processing row")
        started = time.monotonic()
        await pilot.press("q")
    elapsed = time.monotonic() - started
    assert elapsed < 5.0, f"quitting took {elapsed:.1f} s"
    row = fetch_one(settings.resolved_db_path, "SELECT status, lease_owner FROM documents WHERE id = ?", doc_id)
    assert row == ("queued", None)
    assert fetch_one(settings.resolved_db_path, "SELECT COUNT(*) FROM workers") == (0,)


async def test_no_provider_shows_fix(tmp_path: Path, notes: Notes) -> None:
    settings = make_settings(tmp_path)
    app = DocdeskApp(settings)
    async with app.run_test(size=(140, 34), message_hook=notes) as pilot:
        await app.loaded.wait()
        await wait_until(pilot, lambda: "no provider configured" in status_bar_text(app), 10, "the paused state")
        assert notes.has("OPENAI_API_KEY is not set")
