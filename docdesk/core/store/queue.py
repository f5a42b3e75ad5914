"""The work queue on the `documents` table: claiming, leases and status transitions.

Every transition out of `processing` is guarded by `lease_owner`, so a worker
whose lease expired (and whose document another worker took over) cannot
overwrite the newer worker's result.
"""

from __future__ import annotations

import aiosqlite

from docdesk.core.clock import now_ms
from docdesk.core.models import Document, Stage
from docdesk.core.store.documents import row_to_document

_CLAIM = """
UPDATE documents
SET status = 'processing', lease_owner = :worker, lease_expires_at = :now + :lease,
    stage = :stage, progress_done = 0, progress_total = 0, updated_at = :now
WHERE id = (
    SELECT id FROM documents
    WHERE (status = 'queued' AND (next_retry_at IS NULL OR next_retry_at <= :now))
       OR (status = 'processing' AND (lease_expires_at IS NULL OR lease_expires_at < :now))
    ORDER BY COALESCE(next_retry_at, created_at), created_at
    LIMIT 1
)
RETURNING *
"""


async def claim_next(db: aiosqlite.Connection, worker_id: str, lease_ms: int) -> Document | None:
    """Atomically take the next due document, or one whose worker's lease expired (a crash)."""
    params = {"worker": worker_id, "now": now_ms(), "lease": lease_ms, "stage": Stage.EXTRACTING.value}
    async with db.execute(_CLAIM, params) as cursor:
        row = await cursor.fetchone()
    return row_to_document(row) if row else None


async def renew_leases(db: aiosqlite.Connection, worker_id: str, doc_ids: list[str], lease_ms: int) -> None:
    """Heartbeat: extend the lease of documents this worker still holds."""
    expires = now_ms() + lease_ms
    for doc_id in doc_ids:
        await db.execute(
            "UPDATE documents SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? AND status = 'processing'",
            (expires, doc_id, worker_id),
        )


async def set_progress(
    db: aiosqlite.Connection, doc_id: str, worker_id: str, stage: Stage, done: int, total: int
) -> None:
    await db.execute(
        """
        UPDATE documents SET stage = ?, progress_done = ?, progress_total = ?, updated_at = ?
        WHERE id = ? AND lease_owner = ? AND status = 'processing'
        """,
        (stage.value, done, total, now_ms(), doc_id, worker_id),
    )


async def return_to_queue(
    db: aiosqlite.Connection,
    doc_id: str,
    worker_id: str,
    *,
    reason: str,
    next_retry_at: int | None,
    count_retry: bool,
) -> bool:
    """Give a document back to the queue after a failed attempt; return False if the lease was lost."""
    cursor = await db.execute(
        """
        UPDATE documents SET status = 'queued', last_error = ?, next_retry_at = ?,
            retry_count = retry_count + ?, lease_owner = NULL, lease_expires_at = NULL,
            stage = NULL, updated_at = ?
        WHERE id = ? AND lease_owner = ? AND status = 'processing'
        """,
        (reason, next_retry_at, 1 if count_retry else 0, now_ms(), doc_id, worker_id),
    )
    return cursor.rowcount == 1


async def mark_error(db: aiosqlite.Connection, doc_id: str, worker_id: str, reason: str) -> bool:
    """End a document in `error` with a one-line reason; return False if the lease was lost."""
    cursor = await db.execute(
        """
        UPDATE documents SET status = 'error', last_error = ?, next_retry_at = NULL,
            lease_owner = NULL, lease_expires_at = NULL, stage = NULL, updated_at = ?
        WHERE id = ? AND lease_owner = ? AND status = 'processing'
        """,
        (reason, now_ms(), doc_id, worker_id),
    )
    return cursor.rowcount == 1


async def next_due_at(db: aiosqlite.Connection) -> int | None:
    """Return when the earliest queued document or expiring lease becomes due, for idle sleeping."""
    async with db.execute(
        """
        SELECT MIN(t) FROM (
            SELECT COALESCE(next_retry_at, 0) AS t FROM documents WHERE status = 'queued'
            UNION ALL
            SELECT COALESCE(lease_expires_at, 0) FROM documents WHERE status = 'processing'
        )
        """
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else None


async def record_missing_provider(db: aiosqlite.Connection, message: str) -> int:
    """Tell every queued document why it waits (no provider configured); return how many changed."""
    cursor = await db.execute(
        "UPDATE documents SET last_error = ?, updated_at = ? WHERE status = 'queued' AND last_error IS NOT ?",
        (message, now_ms(), message),
    )
    return cursor.rowcount


async def has_unfinished(db: aiosqlite.Connection) -> bool:
    async with db.execute(
        "SELECT 1 FROM documents WHERE status IN ('queued', 'processing') LIMIT 1"
    ) as cursor:
        return await cursor.fetchone() is not None


async def release(db: aiosqlite.Connection, doc_id: str, worker_id: str) -> bool:
    """Hand a document back untouched (the worker is stopping); it is due again at once."""
    cursor = await db.execute(
        """
        UPDATE documents SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL,
            stage = NULL, updated_at = ?
        WHERE id = ? AND lease_owner = ? AND status = 'processing'
        """,
        (now_ms(), doc_id, worker_id),
    )
    return cursor.rowcount == 1
