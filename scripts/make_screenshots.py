"""Save SVG screenshots of the docdesk app into screenshots/, from a deterministic demo database.

Run from anywhere: `python scripts/make_screenshots.py [--output DIR]`. The app runs
headless, without a worker, on a temporary copy of the demo database and a fixed
clock, so the files change only when the app's look changes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from textual.pilot import Pilot  # noqa: E402

from docdesk.core.clock import now_ms  # noqa: E402
from docdesk.core.settings import load_settings  # noqa: E402
from docdesk.tui.app import DocdeskApp  # noqa: E402
from docdesk.tui.widgets.file_tree import MarkableDirectoryTree  # noqa: E402
from tests.support.demo_database import DEMO_NOW_MS, build_demo_database  # noqa: E402

SIZE = (140, 32)
Steps = Callable[[Pilot[Any]], Awaitable[None]]


async def no_steps(pilot: Pilot[Any]) -> None:
    return None


async def open_details(pilot: Pilot[Any]) -> None:
    await pilot.press(*["down"] * 5, "i")


async def pick_files(pilot: Pilot[Any]) -> None:
    await pilot.press("a")
    tree = pilot.app.screen.query_one(MarkableDirectoryTree)
    for _ in range(100):
        if tree.root.children:
            break
        await pilot.pause(0.05)
    await pilot.press("down", "down", "space", "down", "down", "space")


async def shoot(workdir: Path, output: Path, name: str, steps: Steps, *, paused: bool = False) -> Path:
    """Build a fresh demo database, run the app headless, apply `steps` and save `name`.svg."""
    data = Path(tempfile.mkdtemp(dir=workdir))
    db_path = build_demo_database(data / "docdesk.sqlite3", paused=paused, heartbeat_ms=now_ms())
    settings = load_settings(
        {"db_path": db_path, "log_dir": data / "logs", "user_id": "teacher", "provider": "openai",
         "openai_base_url": "http://127.0.0.1:9/v1"},
        environ={"DOCDESK_CONFIG": str(data / "absent.toml"), "OPENAI_API_KEY": "demo-key"},
    )
    app = DocdeskApp(settings, start_worker=False, start_watcher=False, clock=lambda: DEMO_NOW_MS,
                     start_folder=Path("inbox"))
    async with app.run_test(size=SIZE) as pilot:
        await app.loaded.wait()
        await pilot.pause()
        await steps(pilot)
        await pilot.pause(0.3)
        path = app.save_screenshot(f"{name}.svg", path=str(output))
    return Path(path)


def make_inbox(workdir: Path) -> None:
    inbox = workdir / "inbox"
    (inbox / "week 2").mkdir(parents=True)
    for name in ("cells.pdf", "ecosystems.docx", "notes.md", "photo.jpg"):
        (inbox / name).write_text("demo", encoding="utf-8")


async def main(output: Path) -> None:
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temporary:
        workdir = Path(temporary)
        make_inbox(workdir)
        # The picker shows its folder as given; a relative path keeps the temporary folder's name off the picture.
        os.chdir(workdir)
        shots = [
            await shoot(workdir, output, "table-every-status", no_steps),
            await shoot(workdir, output, "file-picker", pick_files),
            await shoot(workdir, output, "detail-view", open_details),
            await shoot(workdir, output, "paused", no_steps, paused=True),
        ]
    for shot in shots:
        print(f"wrote {shot}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "screenshots", help="folder for the SVG files")
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    # Times in the detail view are shown in local time; UTC makes the pictures the same everywhere.
    os.environ["TZ"] = "UTC"
    time.tzset()
    asyncio.run(main(parser.parse_args().output.resolve()))
