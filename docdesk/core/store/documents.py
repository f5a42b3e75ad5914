"""Reading and editing rows of the `documents` table."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import aiosqlite

from docdesk.core.clock import now_ms
from docdesk.core.models import Document, Status


def row_to_document(row: aiosqlite.Row) -> Document:
    return Document(
        id=row["id"],
        user_id=row["user_id"],
        filename=row["filename"],
        storage_path=row["storage_path"],
        title=row["title"],
        subject=row["subject"],
        grade=row["grade"],
        mime=row["mime"],
        size=row["size"],
        created_at=row["created_at"],
        status=Status(row["status"]),
        retry_count=row["retry_count"],
        next_retry_at=row["next_retry_at"],
        last_error=row["last_error"],
        content_hash=row["content_hash"],
        source_path=row["source_path"],
        updated_at=row["updated_at"],
        stage=row["stage"],
        progress_done=row["progress_done"],
        progress_total=row["progress_total"],
        page_count=row["page_count"],
        chunk_count=row["chunk_count"],
        model=row["model"],
        lease_owner=row["lease_owner"],
        lease_expires_at=row["lease_expires_at"],
    )


@dataclass(frozen=True, slots=True)
class NewDocument:
    """Values for a document being added; the store fills in id, status and times."""

    user_id: str
    filename: str
    storage_path: str
    content_hash: str
    mime: str
    size: int
    title: str
    title_source: str
    subject: str | None = None
    grade: str | None = None
    source_path: str | None = None


async def insert_document(db: aiosqlite.Connection, new: NewDocument) -> tuple[Document, bool]:
    """Insert `new` as queued; return (document, created), where a content duplicate returns the existing row.

    The unique index on (user_id, content_hash) makes this safe against two
    processes adding the same content at the same moment.
    """
    now = now_ms()
    cursor = await db.execute(
        """
        INSERT INTO documents (id, user_id, filename, storage_path, title, title_source, subject,
            grade, mime, size, created_at, updated_at, status, content_hash, source_path)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)
        ON CONFLICT (user_id, content_hash) WHERE content_hash IS NOT NULL DO NOTHING
        """,
        (
            uuid.uuid4().hex, new.user_id, new.filename, new.storage_path, new.title,
            new.title_source, new.subject, new.grade, new.mime, new.size, now, now,
            new.content_hash, new.source_path,
        ),
    )
    created = cursor.rowcount == 1
    document = await get_by_content_hash(db, new.user_id, new.content_hash)
    assert document is not None, "row inserted or already present must be readable"
    return document, created


async def get_by_content_hash(db: aiosqlite.Connection, user_id: str, content_hash: str) -> Document | None:
    async with db.execute(
        "SELECT * FROM documents WHERE user_id = ? AND content_hash = ?", (user_id, content_hash)
    ) as cursor:
        row = await cursor.fetchone()
    return row_to_document(row) if row else None


async def get_document(db: aiosqlite.Connection, doc_id: str) -> Document | None:
    async with db.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)) as cursor:
        row = await cursor.fetchone()
    return row_to_document(row) if row else None


class AmbiguousIdError(LookupError):
    """An id prefix matches more than one document."""


async def resolve_id(db: aiosqlite.Connection, id_or_prefix: str) -> Document | None:
    """Find a document by full id or by a unique id prefix, as `git` does for commits."""
    exact = await get_document(db, id_or_prefix)
    if exact is not None or len(id_or_prefix) < 4:
        return exact
    escaped = id_or_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    async with db.execute(
        "SELECT * FROM documents WHERE id LIKE ? ESCAPE '\\' LIMIT 2", (escaped + "%",)
    ) as cursor:
        rows = list(await cursor.fetchall())
    if len(rows) > 1:
        raise AmbiguousIdError(f"id prefix {id_or_prefix!r} matches several documents; give more characters")
    return row_to_document(rows[0]) if rows else None


async def list_documents(
    db: aiosqlite.Connection, status: Status | None = None, updated_after: int | None = None
) -> list[Document]:
    """Return documents oldest first, optionally only one status or only rows changed after a time."""
    clauses: list[str] = []
    params: list[Any] = []
    if status is not None:
        clauses.append("status = ?")
        params.append(status.value)
    if updated_after is not None:
        clauses.append("updated_at > ?")
        params.append(updated_after)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    # `where` is built from the fixed clauses above; values are bound parameters.
    async with db.execute(f"SELECT * FROM documents {where} ORDER BY created_at, id", params) as cursor:  # noqa: S608
        rows = await cursor.fetchall()
    return [row_to_document(row) for row in rows]


async def list_ids(db: aiosqlite.Connection) -> set[str]:
    async with db.execute("SELECT id FROM documents") as cursor:
        return {row[0] async for row in cursor}


async def count_by_status(db: aiosqlite.Connection) -> dict[Status, int]:
    counts = {status: 0 for status in Status}
    async with db.execute("SELECT status, COUNT(*) FROM documents GROUP BY status") as cursor:
        async for status, count in cursor:
            counts[Status(status)] = count
    return counts


async def update_metadata(
    db: aiosqlite.Connection,
    doc_id: str,
    *,
    title: str | None = None,
    subject: str | None = None,
    grade: str | None = None,
) -> None:
    """Change title, subject or grade; None leaves a field as it is, "" clears subject or grade."""
    changes: dict[str, Any] = {}
    if title is not None:
        changes["title"] = title.strip() or None
        changes["title_source"] = "user"
    if subject is not None:
        changes["subject"] = subject.strip() or None
    if grade is not None:
        changes["grade"] = grade.strip() or None
    if not changes:
        return
    assignments = ", ".join(f"{column} = ?" for column in changes)
    # Column names come from the fixed keys above, never from input; values are bound.
    await db.execute(
        f"UPDATE documents SET {assignments}, updated_at = ? WHERE id = ?",  # noqa: S608
        (*changes.values(), now_ms(), doc_id),
    )


async def delete_documents(db: aiosqlite.Connection, doc_ids: Iterable[str]) -> list[Document]:
    """Delete documents (their chunks and vectors cascade); return the rows that existed."""
    removed: list[Document] = []
    for doc_id in doc_ids:
        document = await get_document(db, doc_id)
        if document is None:
            continue
        await db.execute("DELETE FROM doc_vectors WHERE doc_id = ?", (doc_id,))
        await db.execute("DELETE FROM doc_chunks WHERE doc_id = ?", (doc_id,))
        await db.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
        removed.append(document)
    return removed


async def is_storage_path_used(db: aiosqlite.Connection, storage_path: str) -> bool:
    async with db.execute("SELECT 1 FROM documents WHERE storage_path = ? LIMIT 1", (storage_path,)) as cursor:
        return await cursor.fetchone() is not None


async def requeue(db: aiosqlite.Connection, doc_ids: Iterable[str]) -> int:
    """Queue documents to run now with a fresh retry budget (manual retry); return how many changed.

    A document that another worker is processing right now is left alone, because it finishes on its own.
    """
    changed = 0
    now = now_ms()
    for doc_id in doc_ids:
        cursor = await db.execute(
            """
            UPDATE documents SET status = 'queued', retry_count = 0, next_retry_at = NULL,
                last_error = NULL, stage = NULL, updated_at = ?
            WHERE id = ? AND status != 'processing'
            """,
            (now, doc_id),
        )
        changed += cursor.rowcount
    return changed


async def failed_ids(db: aiosqlite.Connection) -> list[str]:
    async with db.execute("SELECT id FROM documents WHERE status = 'error' ORDER BY created_at") as cursor:
        return [row[0] async for row in cursor]


async def replace_content(
    db: aiosqlite.Connection, doc_id: str, storage_path: str, content_hash: str, size: int, mime: str
) -> None:
    """Point a document at new content (a watched file changed) and queue it again."""
    await db.execute(
        """
        UPDATE documents SET storage_path = ?, content_hash = ?, size = ?, mime = ?,
            status = 'queued', retry_count = 0, next_retry_at = NULL, last_error = NULL,
            stage = NULL, updated_at = ?
        WHERE id = ?
        """,
        (storage_path, content_hash, size, mime, now_ms(), doc_id),
    )


async def find_by_source_path(db: aiosqlite.Connection, source_path: str) -> Document | None:
    async with db.execute(
        "SELECT * FROM documents WHERE source_path = ? ORDER BY created_at DESC LIMIT 1", (source_path,)
    ) as cursor:
        row = await cursor.fetchone()
    return row_to_document(row) if row else None
