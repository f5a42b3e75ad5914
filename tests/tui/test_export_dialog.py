"""The export dialog: live preview with and without a query, budget checks, writing the file and copying."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, Label, Select, Static

from docdesk.core.models import Status
from docdesk.tui.app import DocdeskApp
from docdesk.tui.screens.export import ExportScreen, parse_budget
from tests.support.fake_openai import FakeOpenAIServer
from tests.tui.helpers import Notes, corpus_file, demo_app, make_settings, status_of, wait_until
from tests.tui.test_worker_app import READY_TIMEOUT, add_before_start


def preview_text(app: DocdeskApp) -> str:
    return str(app.screen.query_one("#preview", Static).render())


def problem_text(app: DocdeskApp) -> str:
    return str(app.screen.query_one("#output-problem", Label).render())


async def open_dialog(pilot: Pilot[Any], *keys: str) -> ExportScreen:
    app: Any = pilot.app
    await app.loaded.wait()
    await pilot.press(*keys, "x")
    assert isinstance(app.screen, ExportScreen)
    return app.screen


async def settled_preview(pilot: Pilot[Any], fragment: str) -> str:
    app: Any = pilot.app
    await wait_until(pilot, lambda: fragment in preview_text(app), 10, f"a preview with {fragment!r}")
    return preview_text(app)


def test_parse_budget_cases() -> None:
    assert parse_budget("4000") == (4000, None)
    assert parse_budget(" 1_000 ") == (1000, None)
    for raw in ("", "abc", "12.5"):
        budget, problem = parse_budget(raw)
        assert budget is None
        assert problem is not None and "whole number" in problem
    budget, problem = parse_budget("0")
    assert budget is None
    assert problem is not None and "at least 1" in problem


async def test_preview_without_query(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_dialog(pilot, "space", "down", "space")
        text = await settled_preview(pilot, "of 4000 tokens")
        assert "42 passages from 2 of 2 documents, in reading order" in text
        assert "Photosynthesis basics: all 12 chunks" in text
        assert "Cell division: all 30 chunks" in text
        output = Path(screen.query_one("#output", Input).value)
        assert output.is_absolute()
        assert output.name == "tutor-context.md"


async def test_preview_shows_cut_documents(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_dialog(pilot, "space", "down", "space")
        await settled_preview(pilot, "of 4000 tokens")
        screen.query_one("#budget", Input).value = "150"
        text = await settled_preview(pilot, "of 150 tokens")
        assert "cut:" in text


async def test_query_without_provider_shows_reason(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_dialog(pilot, "space")
        await settled_preview(pilot, "of 4000 tokens")
        screen.query_one("#query", Input).value = "photosynthesis"
        text = await settled_preview(pilot, "Cannot export")
        assert "OPENAI_API_KEY is not set" in text


async def test_budget_validation_blocks_export(tmp_path: Path, notes: Notes) -> None:
    app = demo_app(tmp_path)
    output = tmp_path / "context.md"
    async with app.run_test(size=(140, 40), message_hook=notes) as pilot:
        screen = await open_dialog(pilot, "space")
        screen.query_one("#output", Input).value = str(output)
        for raw, expected in (("many", "whole number"), ("0", "at least 1")):
            screen.query_one("#budget", Input).value = raw
            await pilot.press("ctrl+s")
            assert isinstance(app.screen, ExportScreen)
            assert expected in problem_text(app)
            await settled_preview(pilot, "Fix the token budget")
        await pilot.pause(0.3)
        assert not output.exists()
        assert not notes.has("Wrote")


async def test_export_writes_json_file(tmp_path: Path, notes: Notes) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 40), message_hook=notes) as pilot:
        screen = await open_dialog(pilot, "space", "down", "space")
        screen.query_one("#output", Input).value = str(tmp_path / "context.md")
        screen.query_one("#budget", Input).value = "300"
        screen.query_one("#format", Select).value = "json"
        await pilot.pause()
        assert screen.query_one("#output", Input).value == str(tmp_path / "context.json")
        text = await settled_preview(pilot, "of 300 tokens")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: notes.has("Wrote 2 documents"), 10, "the export")
        assert not isinstance(app.screen, ExportScreen)
    written = (tmp_path / "context.json").read_text(encoding="utf-8")
    data = json.loads(written)
    assert data["max_tokens"] == 300
    assert data["token_count"] <= 300
    assert f"{data['token_count']} of 300 tokens" in text
    assert f"{data['token_count']} estimated tokens, to {tmp_path / 'context.json'}" in notes.text()
    assert (tmp_path / "context.json").stat().st_mode & 0o077 == 0


async def test_export_write_failure_keeps_dialog(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_dialog(pilot, "space")
        screen.query_one("#output", Input).value = str(tmp_path / "missing" / "context.md")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ExportScreen)
        assert "does not exist" in problem_text(app)


async def test_copy_puts_preview_on_clipboard(tmp_path: Path, notes: Notes) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 40), message_hook=notes) as pilot:
        screen = await open_dialog(pilot, "space")
        await settled_preview(pilot, "of 4000 tokens")
        await pilot.press("ctrl+y")
        await wait_until(pilot, lambda: notes.has("Copied"), 5, "the copy")
        assert screen.preview is not None and screen.preview.result is not None
        assert app.clipboard == screen.preview.result.text
        assert "## Photosynthesis basics" in app.clipboard
        assert isinstance(app.screen, ExportScreen)


async def test_copy_before_preview_builds(tmp_path: Path, notes: Notes) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 40), message_hook=notes) as pilot:
        screen = await open_dialog(pilot, "space")
        screen.query_one("#budget", Input).value = "200"
        await pilot.press("ctrl+y")
        await wait_until(pilot, lambda: notes.has("Copied"), 10, "the copy")
        assert "Tokens: " in app.clipboard
        assert "of 200" in app.clipboard


async def test_preview_with_query_ranks(tmp_path: Path, fake_openai: FakeOpenAIServer, notes: Notes) -> None:
    settings = make_settings(tmp_path, fake_openai)
    doc_id = await add_before_start(settings, corpus_file("multicolumn-lorem-ipsum.txt"))
    app = DocdeskApp(settings, start_watcher=False)
    output = tmp_path / "ranked.md"
    async with app.run_test(size=(140, 40), message_hook=notes) as pilot:
        await app.loaded.wait()
        await wait_until(pilot, lambda: status_of(app, doc_id) is Status.READY, READY_TIMEOUT, "the document ready")
        screen = await open_dialog(pilot, "space")
        await settled_preview(pilot, "in reading order")
        screen.query_one("#query", Input).value = "lorem ipsum"
        text = await settled_preview(pilot, "ranked by similarity with")
        assert "Cannot export" not in text
        screen.query_one("#output", Input).value = str(output)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: notes.has("Wrote 1 document,"), 10, "the export")
    written = output.read_text(encoding="utf-8")
    assert "Query: lorem ipsum" in written
    assert "score" in written
