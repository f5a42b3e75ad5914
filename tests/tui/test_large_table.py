"""The table with 10,000 documents: the first load, a 100-row update and a filter all finish.

Durations are recorded as test properties (see `--junitxml`) for a later
benchmark page; they are not asserted, because they depend on the machine.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from docdesk.core.clock import now_ms
from docdesk.core.models import Status
from docdesk.tui.app import DocdeskApp
from docdesk.tui.filtering import DocumentFilter
from tests.support.demo_database import build_bulk_database
from tests.tui.helpers import cell_text, make_settings, run_sql, wait_until

ROWS = 10_000


async def test_ten_thousand_rows(tmp_path: Path, record_property: Callable[[str, object], None]) -> None:
    settings = make_settings(tmp_path)
    build_bulk_database(settings.resolved_db_path, ROWS, now_ms=now_ms() - 60_000)
    app = DocdeskApp(settings, start_worker=False)
    started = time.perf_counter()
    async with app.run_test(size=(140, 34)) as pilot:
        await app.loaded.wait()
        await pilot.pause()
        record_property("first_paint_seconds", round(time.perf_counter() - started, 3))
        table = app.main.table
        assert table.row_count == ROWS

        await pilot.press("down", "down")
        assert table.cursor_row == 2

        # Every 100th document fails, as if a worker in another process had marked them.
        run_sql(settings.resolved_db_path,
                "UPDATE documents SET status = 'error', last_error = 'bulk failure', updated_at = ? "
                "WHERE rowid % 100 = 0", now_ms())
        started = time.perf_counter()
        changed = [f"doc{index:06d}" for index in range(99, ROWS, 100)]
        await wait_until(pilot, lambda: all(cell_text(app, doc_id, "error") == "bulk failure" for doc_id in changed),
                         30, "100 rows to update")
        record_property("update_100_rows_seconds", round(time.perf_counter() - started, 3))
        assert table.cursor_row == 2

        started = time.perf_counter()
        table.set_filter(DocumentFilter(status=Status.QUEUED))
        record_property("filter_seconds", round(time.perf_counter() - started, 3))
        assert table.row_count == sum(1 for d in table.documents.values() if d.status is Status.QUEUED)

        started = time.perf_counter()
        table.set_filter(DocumentFilter())
        record_property("clear_filter_seconds", round(time.perf_counter() - started, 3))
        assert table.row_count == ROWS
