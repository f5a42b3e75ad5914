"""The one place the app calls the core export, so a new export API needs a change here only.

`write_tutor_context` blocks: the app runs it on a thread worker, with its own
event loop and database connection, so a large export never stalls the screen.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from docdesk.core.errors import DocdeskError
from docdesk.core.export.markdown import export_markdown
from docdesk.core.export.selection import ExportSelectionError, select_documents
from docdesk.core.store.connection import open_database


class ExportWriteError(DocdeskError):
    """The output file could not be written. The message names it and what to do."""


@dataclass(frozen=True, slots=True)
class ExportResult:
    """The export's output path and the number of documents in it."""

    path: Path
    documents: int


def write_tutor_context(db_path: Path, doc_ids: list[str], output: Path) -> ExportResult:
    """Write the documents as Markdown to `output`.

    Raises ExportSelectionError when a document is missing or not ready, and
    ExportWriteError when the file cannot be written.
    """
    if not doc_ids:
        # select_documents would take an empty list to mean every ready document.
        raise ExportSelectionError("nothing to export: tick ready documents in the Use column first")
    return asyncio.run(_export(db_path, doc_ids, output))


async def _export(db_path: Path, doc_ids: list[str], output: Path) -> ExportResult:
    db = await open_database(db_path)
    try:
        documents = await select_documents(db, doc_ids)
        text = await export_markdown(db, documents)
    finally:
        await db.close()
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise ExportWriteError(
            f"cannot write {output}: {error.strerror or error}. Choose another output path."
        ) from None
    return ExportResult(output, len(documents))
