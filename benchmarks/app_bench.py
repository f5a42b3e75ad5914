"""The terminal app with a large library: time to first paint and time to apply a refresh.

The database is filled by SQL. The app runs headless under Textual's
`run_test` at 160x50 cells, without a worker or a folder watcher.

- First paint: from starting the app until the first poll's rows are all in
  the table and the screen has processed its refresh (`pilot.pause()`).
- Refresh: a separate connection changes rows as a worker in another process
  would (queued to processing, with progress) and the app is asked to poll.
  "Apply" is the time `MainScreen.show_snapshot` takes for the poll that
  carries the change, which is the part that runs on the app's event loop.
  "End to end" runs from the commit until that apply returned, and includes
  the app's refresh throttle of up to 0.25 s.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.environment import bench_settings
from docdesk.core.clock import now_ms
from docdesk.core.store.connection import open_database
from docdesk.tui.app import DocdeskApp
from docdesk.tui.store import Snapshot

SCREEN_SIZE = (160, 50)
_SUBJECTS = ("Biology", "History", "Maths", "English", "Geography", None)
_WAIT_SECONDS = 120.0


@dataclass(frozen=True, slots=True)
class AppRun:
    rows: int
    rows_shown: int
    changed_rows: int
    first_paint_seconds: float
    apply_seconds: float
    end_to_end_seconds: float


@dataclass(frozen=True, slots=True)
class _Applied:
    started: float
    finished: float
    changed: int


async def build_library(db_path: Path, rows: int) -> list[str]:
    """Create the schema, insert `rows` documents (one in ten still queued) and return the queued ids."""
    db = await open_database(db_path)
    await db.close()
    created = now_ms() - 86_400_000
    values = []
    queued: list[str] = []
    for n in range(rows):
        doc_id = f"{n:032x}"
        is_queued = n % 10 == 0
        if is_queued:
            queued.append(doc_id)
        values.append((
            doc_id, "bench", f"lesson-{n:05d}.pdf", f"/nonexistent/{doc_id}.pdf", f"Lesson {n}",
            _SUBJECTS[n % len(_SUBJECTS)], str(5 + n % 8), "application/pdf", 10_000 + n,
            created + n * 1000, "queued" if is_queued else "ready", created + n * 1000,
            0 if is_queued else 1 + n % 40, None if is_queued else 1 + n % 20, f"{n:064x}",
        ))
    with sqlite3.connect(db_path) as connection:
        connection.executemany(
            "INSERT INTO documents (id, user_id, filename, storage_path, title, subject, grade, mime, size, "
            "created_at, status, updated_at, chunk_count, page_count, content_hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            values,
        )
    connection.close()
    return queued


def change_rows(db_path: Path, doc_ids: list[str]) -> float:
    """Mark `doc_ids` as being embedded, as a worker would, and return the monotonic time of the commit."""
    now = now_ms()
    with sqlite3.connect(db_path) as connection:
        connection.executemany(
            "UPDATE documents SET status = 'processing', stage = 'embedding', progress_done = 3, "
            "progress_total = 10, updated_at = ? WHERE id = ?",
            [(now, doc_id) for doc_id in doc_ids],
        )
    committed = time.monotonic()
    connection.close()
    return committed


async def measure_app(rows: int, changed_rows: int) -> AppRun:
    with tempfile.TemporaryDirectory(prefix="docdesk-app-") as scratch:
        settings = bench_settings(Path(scratch))
        queued = await build_library(settings.resolved_db_path, rows)
        app = DocdeskApp(settings, start_worker=False, start_watcher=False)
        applied = _time_snapshots(app)
        started = time.monotonic()
        async with app.run_test(size=SCREEN_SIZE) as pilot:
            await asyncio.wait_for(app.loaded.wait(), _WAIT_SECONDS)
            await pilot.pause()
            first_paint = time.monotonic() - started
            rows_shown = app.main.table.row_count

            committed = await asyncio.to_thread(change_rows, settings.resolved_db_path, queued[:changed_rows])
            app.request_refresh()
            refresh = await _wait_for_apply(applied, committed, changed_rows)
            await pilot.pause()
            await app.shutdown_background()
    return AppRun(
        rows=rows,
        rows_shown=rows_shown,
        changed_rows=changed_rows,
        first_paint_seconds=first_paint,
        apply_seconds=refresh.finished - refresh.started,
        end_to_end_seconds=refresh.finished - committed,
    )


def _time_snapshots(app: DocdeskApp) -> list[_Applied]:
    """Wrap the main screen's `show_snapshot` so every applied poll is timed."""
    applied: list[_Applied] = []
    original = app.main.show_snapshot

    async def timed(snapshot: Snapshot) -> None:
        started = time.monotonic()
        await original(snapshot)
        applied.append(_Applied(started, time.monotonic(), len(snapshot.changed)))

    app.main.show_snapshot = timed  # type: ignore[method-assign]
    return applied


async def _wait_for_apply(applied: list[_Applied], committed: float, changed_rows: int) -> _Applied:
    deadline = time.monotonic() + _WAIT_SECONDS
    while time.monotonic() < deadline:
        for entry in applied:
            if entry.started >= committed and entry.changed >= changed_rows:
                return entry
        await asyncio.sleep(0.005)
    raise TimeoutError(f"the app did not apply the {changed_rows} changed rows within {_WAIT_SECONDS:.0f} s")
