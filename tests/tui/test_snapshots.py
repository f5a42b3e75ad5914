"""SVG snapshots of the app's screens, from the demo database and a fixed clock.

Update them after an intended change with `pytest tests/tui/test_snapshots.py --snapshot-update`
and look at every changed SVG before committing it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from docdesk.tui.widgets.file_tree import MarkableDirectoryTree
from tests.tui.helpers import demo_app, wait_until

SIZE = (140, 32)


async def loaded(pilot: Pilot[Any]) -> None:
    app: Any = pilot.app
    await app.loaded.wait()
    await pilot.pause()


def test_main_every_status(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(demo_app(tmp_path), terminal_size=SIZE, run_before=loaded)


def test_main_paused(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(demo_app(tmp_path, paused=True), terminal_size=SIZE, run_before=loaded)


def test_main_without_worker(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(demo_app(tmp_path, live_worker=False), terminal_size=SIZE, run_before=loaded)


def test_main_ticked_and_sorted(snap_compare: Any, tmp_path: Path) -> None:
    async def tick_and_sort(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        await pilot.press("space", "down", "space")
        app: Any = pilot.app
        app.main.table.sort_by("status")
        await pilot.pause()

    assert snap_compare(demo_app(tmp_path), terminal_size=SIZE, run_before=tick_and_sort)


def test_detail_view(snap_compare: Any, tmp_path: Path, utc: None) -> None:
    async def open_details(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        await pilot.press(*["down"] * 5, "i")

    assert snap_compare(demo_app(tmp_path), terminal_size=SIZE, run_before=open_details)


def test_file_picker(snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "week 2").mkdir(parents=True)
    for name in ("cells.pdf", "ecosystems.docx", "notes.md", "photo.jpg", "~$draft.docx"):
        (inbox / name).write_text("x", encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    async def pick(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        await pilot.press("a")
        tree = pilot.app.screen.query_one(MarkableDirectoryTree)
        await wait_until(pilot, lambda: len(tree.root.children) == 4, 5, "the folder listing")
        await pilot.press("down", "down", "space", "down", "down", "space")

    app = demo_app(tmp_path, start_folder=Path("inbox"))
    assert snap_compare(app, terminal_size=SIZE, run_before=pick)


def test_export_dialog(snap_compare: Any, tmp_path: Path) -> None:
    async def export(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        await pilot.press("space", "down", "space", "x")
        # The default output path is the working folder's, so a fixed one keeps the snapshot the same everywhere.
        pilot.app.screen.query_one("#output", Input).value = "/home/teacher/tutor-context.md"
        preview = pilot.app.screen.query_one("#preview", Static)
        await wait_until(pilot, lambda: "of 4000 tokens" in str(preview.render()), 10, "the preview")
        await pilot.pause()

    assert snap_compare(demo_app(tmp_path), terminal_size=SIZE, run_before=export)
