"""Choosing the documents to export and refusing those that are not ready."""

from __future__ import annotations

import aiosqlite

from docdesk.core.errors import DocdeskError
from docdesk.core.models import Document, Status
from docdesk.core.store.documents import list_documents, resolve_id


class ExportSelectionError(DocdeskError):
    """The requested documents cannot be exported; the message names each and why."""


async def select_documents(
    db: aiosqlite.Connection,
    ids: list[str],
    subject: str | None = None,
    grade: str | None = None,
) -> list[Document]:
    """Return the documents to export in the order asked for (or oldest first when none are named)."""
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
        raise ExportSelectionError(f"only ready documents can be exported: {listed}")
    return documents


async def _by_ids(db: aiosqlite.Connection, ids: list[str]) -> list[Document]:
    found: list[Document] = []
    missing: list[str] = []
    for requested in ids:
        document = await resolve_id(db, requested)
        if document is None:
            missing.append(requested)
        elif document not in found:
            found.append(document)
    if missing:
        raise ExportSelectionError(f"document not found: {', '.join(missing)}; see `docdesk list` for ids")
    return found
