"""Choosing the documents to export and rejecting those that are not ready."""

from __future__ import annotations

import aiosqlite

from docdesk.core.export.errors import ExportSelectionError
from docdesk.core.models import Document, Status
from docdesk.core.store.documents import AmbiguousIdError, list_documents, resolve_id

__all__ = ["ExportSelectionError", "select_documents"]


async def select_documents(
    db: aiosqlite.Connection,
    ids: list[str] | tuple[str, ...],
    subject: str | None = None,
    grade: str | None = None,
) -> list[Document]:
    """Return the documents to export in the order given, or every ready one oldest first when `ids` is empty.

    `subject` and `grade` narrow the selection, compared without regard to case. Raises
    ExportSelectionError naming each requested document that is missing or not ready.
    An empty list is returned, not raised, when nothing matches.
    """
    if ids:
        documents = await _by_ids(db, ids)
    else:
        documents = await list_documents(db, status=Status.READY)
    if subject is not None:
        documents = [d for d in documents if (d.subject or "").casefold() == subject.casefold()]
    if grade is not None:
        documents = [d for d in documents if (d.grade or "").casefold() == grade.casefold()]
    not_ready = [d for d in documents if d.status is not Status.READY]
    if not_ready:
        listed = "; ".join(f"{d.id[:8]} ({d.title or d.filename}) is {d.status.value}" for d in not_ready)
        raise ExportSelectionError(
            f"only ready documents can be exported: {listed}; wait for the worker or leave them out"
        )
    return documents


async def _by_ids(db: aiosqlite.Connection, ids: list[str] | tuple[str, ...]) -> list[Document]:
    found: list[Document] = []
    missing: list[str] = []
    for requested in ids:
        try:
            document = await resolve_id(db, requested)
        except AmbiguousIdError as problem:
            raise ExportSelectionError(str(problem)) from None
        if document is None:
            missing.append(requested)
        elif document.id not in {d.id for d in found}:
            found.append(document)
    if missing:
        raise ExportSelectionError(f"document not found: {', '.join(missing)}; see `docdesk list` for ids")
    return found
