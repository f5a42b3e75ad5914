"""The document table's columns: their keys, labels, widths, cell text and sort order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text

from docdesk.core.models import Document, Status
from docdesk.tui import formatting


class Cell(Text):
    """A one-line table cell that also carries the value its column sorts by.

    DataTable.sort hands the key function only the cell values, not the row key,
    so the sort value has to travel inside the cell.
    """

    def __init__(self, text: str, style: str = "", sort_key: Any = ()) -> None:
        super().__init__(text, style=style, no_wrap=True, overflow="ellipsis", end="")
        self.sort_key = sort_key

    def same_as(self, other: object) -> bool:
        return (
            isinstance(other, Cell)
            and self.plain == other.plain
            and self.style == other.style
            and self.sort_key == other.sort_key
        )


@dataclass(frozen=True, slots=True)
class RowContext:
    """Inputs of a row's cells besides the document itself."""

    ticked: bool
    now_ms: int
    max_retries: int


_STATUS_ORDER = {Status.ERROR: 0, Status.PROCESSING: 1, Status.QUEUED: 2, Status.READY: 3}


def _use(document: Document, context: RowContext) -> Cell:
    if document.status is not Status.READY:
        return Cell(" · ", "dim", sort_key=0)
    if context.ticked:
        return Cell("[x]", "bold green", sort_key=2)
    return Cell("[ ]", sort_key=1)


def _title(document: Document, context: RowContext) -> Cell:
    title = formatting.display_title(document)
    return Cell(title, sort_key=title.casefold())


def _subject(document: Document, context: RowContext) -> Cell:
    return Cell(document.subject or "", sort_key=(document.subject or "").casefold())


def _grade(document: Document, context: RowContext) -> Cell:
    return Cell(document.grade or "", sort_key=(document.grade or "").casefold())


def _status(document: Document, context: RowContext) -> Cell:
    text, style = formatting.pill_parts(document.status)
    return Cell(text, style, sort_key=_STATUS_ORDER[document.status])


def _progress(document: Document, context: RowContext) -> Cell:
    text = formatting.progress_text(document)
    style = "yellow" if document.status is Status.PROCESSING else ""
    fraction = document.progress_done / document.progress_total if document.progress_total else 0.0
    return Cell(text, style, sort_key=(document.status is not Status.PROCESSING, -fraction))


def _retries(document: Document, context: RowContext) -> Cell:
    return Cell(formatting.retries_text(document, context.max_retries), sort_key=-document.retry_count)


def _next_retry(document: Document, context: RowContext) -> Cell:
    text = formatting.next_retry_text(document, context.now_ms)
    # Documents without a scheduled retry sort after every scheduled one.
    when = document.next_retry_at if text else None
    return Cell(text, sort_key=(when is None, when or 0))


def _error(document: Document, context: RowContext) -> Cell:
    text = formatting.error_text(document)
    style = "red" if document.status is Status.ERROR else "dim"
    return Cell(text, style, sort_key=(not text, text.casefold()))


CellBuilder = Callable[[Document, RowContext], Cell]


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One column: its key, header label, width in cells (None: shares the spare width) and cell builder."""

    key: str
    label: str
    width: int | None
    build: CellBuilder


COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("use", "Use", 3, _use),
    ColumnSpec("title", "Title", None, _title),
    ColumnSpec("subject", "Subject", 10, _subject),
    ColumnSpec("grade", "Grade", 5, _grade),
    ColumnSpec("status", "Status", 14, _status),
    ColumnSpec("progress", "Progress", 13, _progress),
    ColumnSpec("retries", "Retries", 7, _retries),
    ColumnSpec("next_retry", "Next retry", 10, _next_retry),
    ColumnSpec("error", "Last error", None, _error),
)
COLUMN_KEYS: tuple[str, ...] = tuple(spec.key for spec in COLUMNS)
SPEC_BY_KEY: dict[str, ColumnSpec] = {spec.key: spec for spec in COLUMNS}

# Columns whose text changes with the clock alone, refreshed by the countdown timer.
CLOCK_COLUMNS = ("next_retry",)

MIN_FLEXIBLE_WIDTH = 16


def build_cells(document: Document, context: RowContext) -> list[Cell]:
    """Return the row's cells in column order.

    Each sort key ends with the creation time and id, so rows that tie on a
    column keep the table's default oldest-first order.
    """
    cells = [spec.build(document, context) for spec in COLUMNS]
    for cell in cells:
        cell.sort_key = (cell.sort_key, document.created_at, document.id)
    return cells


def default_order(cell: Cell) -> Any:
    """Sort key of the default order (oldest first), usable on any column's cells."""
    return cell.sort_key[1:]


def column_order(cell: Cell) -> Any:
    return cell.sort_key


def flexible_widths(total_width: int, cell_padding: int) -> dict[str, int]:
    """Share the width left by the fixed columns between Title and Last error (45 % and 55 %)."""
    fixed = sum(spec.width for spec in COLUMNS if spec.width is not None)
    padding = 2 * cell_padding * len(COLUMNS)
    # Two cells are kept free for the vertical scrollbar.
    spare = max(2 * MIN_FLEXIBLE_WIDTH, total_width - fixed - padding - 2)
    title = max(MIN_FLEXIBLE_WIDTH, min(48, spare * 45 // 100))
    return {"title": title, "error": max(MIN_FLEXIBLE_WIDTH, spare - title)}
