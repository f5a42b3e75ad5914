"""Actions on documents from the main screen: details, edit, retry, remove, export, palette and help."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text
from textual.screen import Screen
from textual.widgets import Input, Static

from docdesk.core.models import Status
from docdesk.tui.commands import COMMANDS
from docdesk.tui.screens.confirm import ConfirmScreen
from docdesk.tui.screens.detail import DetailScreen
from docdesk.tui.screens.edit_metadata import EditMetadataScreen
from docdesk.tui.screens.export import ExportScreen
from docdesk.tui.screens.help import HelpScreen
from tests.support.demo_database import DEMO_DOCUMENTS
from tests.tui.helpers import Notes, demo_app, fetch_one, status_of, wait_until

PHOTOSYNTHESIS = DEMO_DOCUMENTS[0]
FRENCH_REVOLUTION = DEMO_DOCUMENTS[2]
WATER_CYCLE = DEMO_DOCUMENTS[5]
SCANNED = DEMO_DOCUMENTS[6]
PLATE_TECTONICS = DEMO_DOCUMENTS[7]


def screen_text(screen: Screen[Any]) -> str:
    """Return the plain text of every Static on `screen`, rendering Rich tables wide enough not to wrap."""
    console = Console(width=300, record=True, file=io.StringIO())
    for widget in screen.query(Static):
        content = widget.content
        console.print(content if not isinstance(content, str) else Text(content))
    return console.export_text()


async def test_details_show_full_error(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await app.loaded.wait()
        await pilot.press(*["down"] * 7, "i")
        assert isinstance(app.screen, DetailScreen)
        text = screen_text(app.screen)
        assert PLATE_TECTONICS.last_error is not None
        assert PLATE_TECTONICS.last_error in text
        assert "8 of 8 used" in text


async def test_details_show_retry_schedule(tmp_path: Path, utc: None) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await app.loaded.wait()
        await pilot.press(*["down"] * 5, "enter")
        assert isinstance(app.screen, DetailScreen)
        text = screen_text(app.screen)
        assert "2026-01-01 10:03:12 (in 3m 12s)" in text
        assert "waits 4m, 8m, 16m, 32m" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, DetailScreen)


async def test_edit_saves_subject_and_grade(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await app.loaded.wait()
        await pilot.press("e")
        assert isinstance(app.screen, EditMetadataScreen)
        app.screen.query_one("#subject", Input).value = "Botany"
        app.screen.query_one("#grade", Input).value = ""
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.main.table.documents[PHOTOSYNTHESIS.doc_id].subject == "Botany", 3,
                         "the new subject in the table")
        row = fetch_one(app.store.db_path, "SELECT subject, grade, title FROM documents WHERE id = ?",
                        PHOTOSYNTHESIS.doc_id)
        assert row == ("Botany", None, PHOTOSYNTHESIS.title)


async def test_edit_cancel_changes_nothing(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await app.loaded.wait()
        await pilot.press("e")
        app.screen.query_one("#subject", Input).value = "Botany"
        await pilot.press("escape")
        await pilot.pause(0.3)
        row = fetch_one(app.store.db_path, "SELECT subject FROM documents WHERE id = ?", PHOTOSYNTHESIS.doc_id)
        assert row == (PHOTOSYNTHESIS.subject,)


async def test_retry_queues_failed_document(tmp_path: Path, notes: Notes) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 30), message_hook=notes) as pilot:
        await app.loaded.wait()
        await pilot.press(*["down"] * 6, "r")
        await wait_until(pilot, lambda: status_of(app, SCANNED.doc_id) is Status.QUEUED, 3, "the retry")
        row = fetch_one(app.store.db_path, "SELECT status, retry_count, last_error FROM documents WHERE id = ?",
                        SCANNED.doc_id)
        assert row == ("queued", 0, None)
        assert status_of(app, PLATE_TECTONICS.doc_id) is Status.ERROR
        assert notes.has("Queued “Scanned handout” to run now")


async def test_retry_skips_processing_document(tmp_path: Path, notes: Notes) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 30), message_hook=notes) as pilot:
        await app.loaded.wait()
        await pilot.press("down", "down", "r")
        await pilot.pause(0.3)
        assert status_of(app, FRENCH_REVOLUTION.doc_id) is Status.PROCESSING
        assert notes.has("is being processed right now")


async def test_retry_failed_queues_all(tmp_path: Path, notes: Notes) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 30), message_hook=notes) as pilot:
        await app.loaded.wait()
        await pilot.press("R")
        await wait_until(pilot, lambda: status_of(app, PLATE_TECTONICS.doc_id) is Status.QUEUED, 3, "the retries")
        assert status_of(app, SCANNED.doc_id) is Status.QUEUED
        assert notes.has("Queued 2 failed documents")


async def test_remove_after_confirmation(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        await app.loaded.wait()
        await pilot.press(*["down"] * 6, "d")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: SCANNED.doc_id not in app.main.table.rows, 3, "the row to go")
        assert fetch_one(app.store.db_path, "SELECT id FROM documents WHERE id = ?", SCANNED.doc_id) is None


async def test_remove_cancelled_keeps_document(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        await app.loaded.wait()
        await pilot.press(*["down"] * 6, "d")
        await pilot.press("n")
        await pilot.pause(0.3)
        assert SCANNED.doc_id in app.main.table.rows
        assert fetch_one(app.store.db_path, "SELECT id FROM documents WHERE id = ?", SCANNED.doc_id) is not None


async def test_export_writes_ticked_documents(tmp_path: Path, notes: Notes) -> None:
    app = demo_app(tmp_path)
    output = tmp_path / "out" / "context.md"
    output.parent.mkdir()
    async with app.run_test(size=(140, 30), message_hook=notes) as pilot:
        await app.loaded.wait()
        await pilot.press("space", "down", "space", "x")
        assert isinstance(app.screen, ExportScreen)
        app.screen.query_one("#output", Input).value = str(output)
        await pilot.press("enter")
        await wait_until(pilot, lambda: notes.has("Wrote 2 documents"), 5, "the export")
    text = output.read_text(encoding="utf-8")
    assert "## Photosynthesis basics" in text
    assert "## Cell division" in text
    assert "The French Revolution" not in text


async def test_export_refused_without_ticks(tmp_path: Path, notes: Notes) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 30), message_hook=notes) as pilot:
        await app.loaded.wait()
        await pilot.press("x")
        assert not isinstance(app.screen, ExportScreen)
        assert notes.has("No ready document is ticked")


async def test_export_rejects_missing_folder(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        await app.loaded.wait()
        await pilot.press("space", "x")
        app.screen.query_one("#output", Input).value = str(tmp_path / "missing" / "context.md")
        await pilot.press("enter")
        assert isinstance(app.screen, ExportScreen)
        assert "does not exist" in str(app.screen.query_one("#output-problem", Static).render())


async def test_palette_offers_every_action(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 30)):
        await app.loaded.wait()
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {command.title for command in COMMANDS} <= titles


async def test_palette_entry_runs_action(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        await app.loaded.wait()
        entry = next(c for c in app.get_system_commands(app.screen) if c.title == "Show help")
        await entry.callback()
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_help_shows_log_path(tmp_path: Path) -> None:
    app = demo_app(tmp_path, log_path=tmp_path / "logs" / "docdesk.log")
    async with app.run_test(size=(140, 40)) as pilot:
        await app.loaded.wait()
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert str(tmp_path / "logs" / "docdesk.log") in screen_text(app.screen)


async def test_footer_shows_every_key(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(200, 30)) as pilot:
        await app.loaded.wait()
        await pilot.pause()
        shown = {binding.action for (_, binding, _, _) in app.screen.active_bindings.values() if binding.show}
        assert {command.action for command in COMMANDS} <= shown
