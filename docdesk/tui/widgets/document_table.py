"""The live table of documents: one row per document, keyed by its id, updated cell by cell."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import IntEnum

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from docdesk.core.models import Document, Status
from docdesk.tui.filtering import DocumentFilter
from docdesk.tui.formatting import Clock, not_ready_reason
from docdesk.tui.widgets.document_columns import (
    CLOCK_COLUMNS,
    COLUMN_KEYS,
    COLUMNS,
    SPEC_BY_KEY,
    Cell,
    RowContext,
    build_cells,
    column_order,
    default_order,
    flexible_widths,
)

# Bulk removal: below MIN_BULK_REMOVAL rows, or while removed·rows < REBUILD_FACTOR·remaining,
# rows are removed one by one. The factor is the measured cost of adding a row
# over the per-row cost of one removal (about 150 µs / 3 µs, Textual 8.2 on the dev machine).
MIN_BULK_REMOVAL = 20
REBUILD_FACTOR = 50


class _RowChange(IntEnum):
    """The effect of `_show` on a row, in increasing order of consequence."""

    NONE = 0
    UPDATED = 1
    SORT_KEY_CHANGED = 2
    ADDED = 3
    HIDDEN = 4


@dataclass(frozen=True, slots=True)
class SortOrder:
    """The column the table is sorted by. Without one, the order is oldest first."""

    column: str
    reverse: bool = False


class DocumentTable(DataTable[Cell]):
    """Documents known to the app, shown through the current filter and sort order.

    `documents` contains every known document, also those the filter hides, so a
    filter change or a tick check never needs the database. Changes arrive
    through `apply` and touch only the cells that differ.
    """

    class TickRequested(Message):
        """The user clicked a row's Use cell."""

        def __init__(self, doc_id: str) -> None:
            super().__init__()
            self.doc_id = doc_id

    def __init__(self, *, clock: Clock, max_retries: int, id: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id=id)
        self.documents: dict[str, Document] = {}
        self.ticked: set[str] = set()
        self.filter = DocumentFilter()
        self.order_by: SortOrder | None = None
        self._clock = clock
        self._max_retries = max_retries
        self._newest_shown: tuple[int, str] | None = None

    def on_mount(self) -> None:
        widths = flexible_widths(self.size.width or 120, self.cell_padding)
        for spec in COLUMNS:
            self.add_column(spec.label, width=spec.width or widths[spec.key], key=spec.key)

    def on_resize(self, event: events.Resize) -> None:
        # DataTable's own resize handler runs after this one and invalidates its render caches.
        for key, width in flexible_widths(event.size.width, self.cell_padding).items():
            if ColumnKey(key) in self.columns:
                self.columns[ColumnKey(key)].width = width

    def on_click(self, event: events.Click) -> None:
        """Tick or untick on a click in the Use column. Other clicks keep DataTable's behaviour."""
        meta = event.style.meta
        row, column = meta.get("row", -1), meta.get("column", -1)
        if row < 0 or column != COLUMN_KEYS.index("use") or not self.is_valid_row_index(row):
            return
        event.prevent_default()
        self.move_cursor(row=row, scroll=False)
        row_key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        if row_key.value is not None:
            self.post_message(self.TickRequested(row_key.value))

    @property
    def highlighted(self) -> Document | None:
        if self.row_count == 0 or not self.is_valid_row_index(self.cursor_row):
            return None
        row_key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return self.documents.get(row_key.value or "")

    @property
    def subjects(self) -> list[str]:
        found = {d.subject for d in self.documents.values() if d.subject}
        return sorted(found, key=str.casefold)

    def ticked_documents(self) -> list[Document]:
        """Ticked documents in the table's default order (oldest first)."""
        chosen = [self.documents[doc_id] for doc_id in self.ticked if doc_id in self.documents]
        return sorted(chosen, key=lambda d: (d.created_at, d.id))

    # Changes from the database

    def apply(self, changed: Iterable[Document], present_ids: set[str] | None = None) -> list[Document]:
        """Show changed documents and drop those missing from `present_ids` (when given).

        Returns the documents that were unticked because they left `ready` or were removed.
        """
        unticked: list[Document] = []
        added: list[Document] = []
        hidden: list[str] = []
        resort = False
        with self._cursor_kept():
            if present_ids is not None:
                gone = [doc_id for doc_id in self.documents if doc_id not in present_ids]
                unticked.extend(self.forget(gone))
            for document in changed:
                if self.documents.get(document.id) == document:
                    continue
                self.documents[document.id] = document
                if document.id in self.ticked and document.status is not Status.READY:
                    self.ticked.discard(document.id)
                    unticked.append(document)
                change = self._show(document)
                if change is _RowChange.ADDED:
                    added.append(document)
                elif change is _RowChange.HIDDEN:
                    hidden.append(document.id)
                resort = resort or change is _RowChange.SORT_KEY_CHANGED
            self._remove_rows(hidden)
            if resort or self._needs_sort_after_adding(added):
                self._sort_rows()
        return unticked

    def forget(self, doc_ids: Iterable[str]) -> list[Document]:
        """Remove documents from the table and return the ticked ones among them."""
        unticked: list[Document] = []
        shown: list[str] = []
        for doc_id in list(doc_ids):
            document = self.documents.pop(doc_id, None)
            if doc_id in self.ticked and document is not None:
                unticked.append(document)
            self.ticked.discard(doc_id)
            if doc_id in self.rows:
                shown.append(doc_id)
        with self._cursor_kept():
            self._remove_rows(shown)
        return unticked

    def refresh_clock(self) -> None:
        """Re-render the countdown cells, which change with the clock alone."""
        now = self._clock()
        for doc_id in list(self.rows):
            document = self.documents.get(doc_id.value or "")
            if document is None or document.next_retry_at is None or document.status is not Status.QUEUED:
                continue
            context = self._row_context(document, now)
            for key in CLOCK_COLUMNS:
                self._update_if_changed(document.id, key, SPEC_BY_KEY[key].build(document, context))

    # Ticks, filter and sort

    def toggle_tick(self, doc_id: str) -> str | None:
        """Tick or untick a document for export, or return why not when it is not ready."""
        document = self.documents.get(doc_id)
        if document is None:
            return "document not found, it may have been removed"
        if document.status is not Status.READY:
            return not_ready_reason(document, self._clock())
        if doc_id in self.ticked:
            self.ticked.discard(doc_id)
        else:
            self.ticked.add(doc_id)
        if doc_id in self.rows:
            self._update_if_changed(doc_id, "use", build_cells(document, self._row_context(document))[0])
        return None

    def set_filter(self, new_filter: DocumentFilter) -> None:
        if new_filter == self.filter:
            return
        self.filter = new_filter
        with self._cursor_kept():
            hidden = [doc_id for doc_id in self.rows if not new_filter.matches(self.documents[str(doc_id.value)])]
            self._remove_rows([str(doc_id.value) for doc_id in hidden])
            for document in self.documents.values():
                self._show(document)
            self._sort_rows()

    def sort_by(self, column: str) -> None:
        """Sort by `column`. The same column again reverses, and a third time returns to the default."""
        current = self.order_by
        if current is None or current.column != column:
            self.order_by = SortOrder(column)
        elif not current.reverse:
            self.order_by = SortOrder(column, reverse=True)
        else:
            self.order_by = None
        self._label_columns()
        with self._cursor_kept():
            self._sort_rows()

    def cycle_sort(self) -> None:
        """Sort ascending by the next column (the keyboard counterpart of clicking a header)."""
        order = self.order_by
        next_index = (COLUMN_KEYS.index(order.column) + 1) % len(COLUMN_KEYS) if order else 1
        self.order_by = None
        self.sort_by(COLUMN_KEYS[next_index])

    # Internals

    def _row_context(self, document: Document, now: int | None = None) -> RowContext:
        return RowContext(
            ticked=document.id in self.ticked,
            now_ms=self._clock() if now is None else now,
            max_retries=self._max_retries,
        )

    def _show(self, document: Document) -> _RowChange:
        """Add or update the document's row when the filter shows it. Removal is left to the caller."""
        exists = document.id in self.rows
        if not self.filter.matches(document):
            return _RowChange.HIDDEN if exists else _RowChange.NONE
        cells = build_cells(document, self._row_context(document))
        if not exists:
            self.add_row(*cells, key=document.id)
            return _RowChange.ADDED
        change = _RowChange.NONE
        for key, cell in zip(COLUMN_KEYS, cells, strict=True):
            if self._update_if_changed(document.id, key, cell):
                sorted_on = self.order_by is not None and key == self.order_by.column
                change = _RowChange.SORT_KEY_CHANGED if sorted_on else max(change, _RowChange.UPDATED)
        return change

    def _remove_rows(self, doc_ids: list[str]) -> None:
        """Remove rows, rebuilding the remaining ones instead when that is cheaper.

        DataTable.remove_row re-indexes every row after the removed one, so
        removing k of n rows one by one costs O(k·n): minutes for a filter that
        hides 9,000 of 10,000 rows. Past REBUILD_FACTOR the remaining rows are
        cleared and added again. The callers keep cursor and ticks, and the
        scroll offset is restored here.
        """
        if not doc_ids:
            return
        remaining = self.row_count - len(doc_ids)
        if len(doc_ids) < MIN_BULK_REMOVAL or len(doc_ids) * self.row_count < REBUILD_FACTOR * remaining:
            for doc_id in doc_ids:
                self.remove_row(doc_id)
            return
        removed = set(doc_ids)
        kept = [str(row.key.value) for row in self.ordered_rows if row.key.value not in removed]
        scroll_y = self.scroll_y
        self.clear()
        for doc_id in kept:
            document = self.documents[doc_id]
            self.add_row(*build_cells(document, self._row_context(document)), key=doc_id)
        # The new rows are measured on the next idle, and scrolling before that would clamp to the top.
        self.call_after_refresh(self.scroll_to, y=scroll_y, animate=False)

    def _update_if_changed(self, doc_id: str, column: str, cell: Cell) -> bool:
        if cell.same_as(self.get_cell(doc_id, column)):
            return False
        self.update_cell(doc_id, column, cell)
        return True

    def _needs_sort_after_adding(self, added: list[Document]) -> bool:
        """Return True unless the added rows belong at the bottom, where add_row put them."""
        if not added:
            return False
        if self.order_by is not None:
            return True
        keys = sorted((d.created_at, d.id) for d in added)
        in_order = self._newest_shown is None or keys[0] > self._newest_shown
        self._newest_shown = max(keys[-1], self._newest_shown or keys[-1])
        return not in_order

    def _sort_rows(self) -> None:
        order = self.order_by
        if order is None:
            self.sort("use", key=default_order)
        else:
            self.sort(order.column, key=column_order, reverse=order.reverse)
        newest = max(((d.created_at, d.id) for d in self.documents.values() if d.id in self.rows), default=None)
        self._newest_shown = newest

    def _label_columns(self) -> None:
        order = self.order_by
        for spec in COLUMNS:
            label = spec.label
            if order is not None and order.column == spec.key:
                label += " ▼" if order.reverse else " ▲"
            self.columns[ColumnKey(spec.key)].label = Text(label)

    @contextmanager
    def _cursor_kept(self) -> Iterator[None]:
        """Keep the cursor on the same document (by row key) across row changes."""
        before = self.highlighted
        yield
        if before is None or before.id not in self.rows:
            return
        index = self.get_row_index(before.id)
        if index != self.cursor_row:
            self.move_cursor(row=index, scroll=False)
