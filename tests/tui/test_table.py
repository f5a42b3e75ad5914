"""The live table over the demo database: ticks, live changes by another process, filter and sort."""

from __future__ import annotations

from pathlib import Path

from docdesk.core.clock import now_ms
from docdesk.core.models import Status
from docdesk.tui.filtering import DocumentFilter
from docdesk.tui.widgets.document_table import DocumentTable
from tests.support.demo_database import DEMO_DOCUMENTS
from tests.tui.helpers import Notes, cell_text, demo_app, run_sql, wait_until

PHOTOSYNTHESIS = DEMO_DOCUMENTS[0].doc_id  # ready, row 0
CELL_DIVISION = DEMO_DOCUMENTS[1].doc_id  # ready, row 1
FRENCH_REVOLUTION = DEMO_DOCUMENTS[2].doc_id  # processing, row 2
WATER_CYCLE = DEMO_DOCUMENTS[5].doc_id  # queued with a retry in 3m 12s, row 5
SCANNED = DEMO_DOCUMENTS[6].doc_id  # error, row 6


def row_ids(table: DocumentTable) -> list[str]:
    return [str(row.key.value) for row in table.ordered_rows]


async def test_rows_show_every_status(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 30)):
        await app.loaded.wait()
        table = app.main.table
        assert table.row_count == len(DEMO_DOCUMENTS)
        assert cell_text(app, PHOTOSYNTHESIS, "status").strip() == "✓ Ready"
        assert cell_text(app, FRENCH_REVOLUTION, "progress") == "▰▰▱▱▱ 14/40"
        assert cell_text(app, WATER_CYCLE, "next_retry") == "in 3m 12s"
        assert cell_text(app, SCANNED, "error").startswith("no extractable text")


async def test_space_ticks_ready_document(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        await app.loaded.wait()
        await pilot.press("space")
        assert app.main.table.ticked == {PHOTOSYNTHESIS}
        assert cell_text(app, PHOTOSYNTHESIS, "use") == "[x]"


async def test_tick_refused_when_queued(tmp_path: Path, notes: Notes) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 30), message_hook=notes) as pilot:
        await app.loaded.wait()
        await pilot.press(*["down"] * 5, "space")
        assert app.main.table.ticked == set()
        assert notes.has("not ready: queued, retry in 3m 12s")


async def test_tick_refused_on_error_gives_reason(tmp_path: Path, notes: Notes) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 30), message_hook=notes) as pilot:
        await app.loaded.wait()
        await pilot.press(*["down"] * 6, "space")
        assert app.main.table.ticked == set()
        assert notes.has("not ready: failed (")


async def test_click_on_use_cell_ticks(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        await app.loaded.wait()
        # Row 1 of the table is the second document; line 0 is the header.
        await pilot.click(DocumentTable, offset=(1, 2))
        await pilot.pause()
        assert app.main.table.ticked == {CELL_DIVISION}
        assert app.main.table.highlighted is not None
        assert app.main.table.highlighted.id == CELL_DIVISION


async def test_requeued_document_is_unticked(tmp_path: Path, notes: Notes) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 30), message_hook=notes) as pilot:
        await app.loaded.wait()
        await pilot.press("space")
        run_sql(app.store.db_path, "UPDATE documents SET status = 'queued', updated_at = ? WHERE id = ?",
                now_ms(), PHOTOSYNTHESIS)
        await wait_until(pilot, lambda: PHOTOSYNTHESIS not in app.main.table.ticked, 3, "the tick to go")
        assert cell_text(app, PHOTOSYNTHESIS, "status").strip() == "◷ Queued"
        assert notes.has("no longer ticked")


async def test_removed_document_leaves_table(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        await app.loaded.wait()
        await pilot.press("space")
        run_sql(app.store.db_path, "DELETE FROM documents WHERE id = ?", PHOTOSYNTHESIS)
        await wait_until(pilot, lambda: PHOTOSYNTHESIS not in app.main.table.rows, 3, "the row to go")
        assert app.main.table.ticked == set()


async def test_change_by_other_process_appears(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        await app.loaded.wait()
        run_sql(app.store.db_path,
                "UPDATE documents SET progress_done = 30, updated_at = ? WHERE id = ?", now_ms(), FRENCH_REVOLUTION)
        await wait_until(pilot, lambda: cell_text(app, FRENCH_REVOLUTION, "progress").endswith("30/40"), 1.0,
                         "the progress cell to change within a second")


async def test_cursor_stays_on_document(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        await app.loaded.wait()
        await pilot.press("down", "down", "down")
        highlighted = app.main.table.highlighted
        assert highlighted is not None
        # An older document sorts above the cursor; the cursor must follow its document, not its index.
        run_sql(app.store.db_path,
                "INSERT INTO documents (id, user_id, filename, storage_path, title, created_at, updated_at, status) "
                "VALUES ('0000older', 'tester', 'old.txt', '/x/old.txt', 'Old notes', 1, ?, 'queued')", now_ms())
        await wait_until(pilot, lambda: "0000older" in app.main.table.rows, 3, "the new row")
        assert row_ids(app.main.table)[0] == "0000older"
        assert app.main.table.highlighted is not None
        assert app.main.table.highlighted.id == highlighted.id


async def test_filter_by_text(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        await app.loaded.wait()
        await pilot.press("slash", *"bio")
        await wait_until(pilot, lambda: app.main.table.row_count == 2, 2, "two Biology rows")
        assert set(row_ids(app.main.table)) == {PHOTOSYNTHESIS, CELL_DIVISION}


async def test_filter_by_status_and_subject(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        await app.loaded.wait()
        app.main.table.set_filter(DocumentFilter(status=Status.ERROR))
        assert set(row_ids(app.main.table)) == {SCANNED, DEMO_DOCUMENTS[7].doc_id}
        app.main.table.set_filter(DocumentFilter(status=Status.ERROR, subject="history"))
        assert row_ids(app.main.table) == [SCANNED]
        app.main.table.set_filter(DocumentFilter())
        await pilot.pause()
        assert app.main.table.row_count == len(DEMO_DOCUMENTS)


async def test_filter_keeps_ticks(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        await app.loaded.wait()
        await pilot.press("space")
        app.main.table.set_filter(DocumentFilter(status=Status.ERROR))
        app.main.table.set_filter(DocumentFilter())
        assert app.main.table.ticked == {PHOTOSYNTHESIS}
        assert cell_text(app, PHOTOSYNTHESIS, "use") == "[x]"


async def test_header_click_sorts_and_reverses(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        await app.loaded.wait()
        # A click on the Title header sorts by title.
        await pilot.click(DocumentTable, offset=(8, 0))
        await pilot.pause()
        assert app.main.table.order_by is not None
        assert app.main.table.order_by.column == "title"
        app.main.table.order_by = None
        table = app.main.table
        table.sort_by("title")
        titles = [table.documents[doc_id].title or "" for doc_id in row_ids(table)]
        assert titles == sorted(titles, key=str.casefold)
        table.sort_by("title")
        reversed_titles = [table.documents[doc_id].title or "" for doc_id in row_ids(table)]
        assert reversed_titles == sorted(titles, key=str.casefold, reverse=True)
        table.sort_by("title")
        assert row_ids(table) == [d.doc_id for d in DEMO_DOCUMENTS]


async def test_sort_key_cycles_columns(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        await app.loaded.wait()
        await pilot.press("o")
        assert app.main.table.order_by is not None
        assert app.main.table.order_by.column == "title"
        await pilot.press("o")
        assert app.main.table.order_by.column == "subject"


async def test_status_sort_puts_errors_first(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        await app.loaded.wait()
        app.main.table.sort_by("status")
        await pilot.pause()
        first = app.main.table.documents[row_ids(app.main.table)[0]]
        assert first.status is Status.ERROR
