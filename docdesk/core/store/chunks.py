"""Chunks and vectors of documents: the one-transaction save that makes a document ready, and reads."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import aiosqlite
import numpy as np
import numpy.typing as npt

from docdesk.core.clock import now_ms
from docdesk.core.models import Chunk
from docdesk.core.store.transaction import write_transaction
from docdesk.core.store.vectors import FLOAT32_LE, decode_vector


class LeaseLostError(RuntimeError):
    """Another worker took the document over (our lease expired); our result is discarded."""


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ReadyResult:
    """Everything a worker writes when a document is done."""

    chunks: list[Chunk]
    vectors: npt.NDArray[np.float32]
    model: str
    page_count: int | None
    file_title: str | None


async def save_ready(db: aiosqlite.Connection, doc_id: str, worker_id: str, result: ReadyResult) -> None:
    """Replace the document's chunks and vectors and mark it ready, all in one transaction.

    Raises LeaseLostError (and writes nothing) when this worker no longer holds the document.
    """
    if len(result.chunks) != len(result.vectors):
        raise ValueError(f"{len(result.chunks)} chunks but {len(result.vectors)} vectors")
    dim = int(result.vectors.shape[1]) if len(result.vectors) else 0
    async with write_transaction(db):
        async with db.execute(
            "SELECT 1 FROM documents WHERE id = ? AND lease_owner = ? AND status = 'processing'",
            (doc_id, worker_id),
        ) as cursor:
            if await cursor.fetchone() is None:
                raise LeaseLostError(doc_id)
        await db.execute("DELETE FROM doc_vectors WHERE doc_id = ?", (doc_id,))
        await db.execute("DELETE FROM doc_chunks WHERE doc_id = ?", (doc_id,))
        await db.executemany(
            "INSERT INTO doc_chunks (id, doc_id, ordinal, text, page_start, page_end, text_hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (f"{doc_id}:{c.ordinal}", doc_id, c.ordinal, c.text, c.page_start, c.page_end, text_hash(c.text))
                for c in result.chunks
            ],
        )
        vectors = np.ascontiguousarray(result.vectors, dtype=FLOAT32_LE)
        await db.executemany(
            "INSERT INTO doc_vectors (id, doc_id, chunk_id, vector, model, dim) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (f"{doc_id}:{c.ordinal}", doc_id, f"{doc_id}:{c.ordinal}", vectors[i].tobytes(), result.model, dim)
                for i, c in enumerate(result.chunks)
            ],
        )
        await _mark_ready(db, doc_id, result)


async def _mark_ready(db: aiosqlite.Connection, doc_id: str, result: ReadyResult) -> None:
    # The file's own title replaces a title guessed from the file name, never one the user typed.
    await db.execute(
        """
        UPDATE documents SET status = 'ready', chunk_count = ?, page_count = ?, model = ?,
            stage = NULL, progress_done = ?, progress_total = ?, last_error = NULL,
            next_retry_at = NULL, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?,
            title = CASE WHEN ? IS NOT NULL AND COALESCE(title_source, 'filename') = 'filename'
                         THEN ? ELSE title END,
            title_source = CASE WHEN ? IS NOT NULL AND COALESCE(title_source, 'filename') = 'filename'
                         THEN 'metadata' ELSE title_source END
        WHERE id = ?
        """,
        (
            len(result.chunks), result.page_count, result.model, len(result.chunks), len(result.chunks),
            now_ms(), result.file_title, result.file_title, result.file_title, doc_id,
        ),
    )


@dataclass(frozen=True, slots=True)
class StoredChunk:
    """A chunk as read back for export."""

    doc_id: str
    ordinal: int
    text: str
    page_start: int | None
    page_end: int | None


async def read_chunks(db: aiosqlite.Connection, doc_id: str) -> list[StoredChunk]:
    """Return a document's chunks in reading order."""
    async with db.execute(
        "SELECT doc_id, ordinal, text, page_start, page_end FROM doc_chunks WHERE doc_id = ? ORDER BY ordinal",
        (doc_id,),
    ) as cursor:
        rows = await cursor.fetchall()
    return [StoredChunk(r[0], int(r[1]), r[2], r[3], r[4]) for r in rows]


async def read_vectors(
    db: aiosqlite.Connection, doc_ids: list[str], model: str
) -> tuple[list[tuple[str, int]], npt.NDArray[np.float32]]:
    """Return ((doc_id, ordinal) keys, matrix) of the documents' vectors made with `model`.

    BLOBs are joined and reinterpreted in one numpy call; only legacy JSON rows are decoded one by one.
    """
    keys: list[tuple[str, int]] = []
    blobs: list[bytes] = []
    for doc_id in doc_ids:
        async with db.execute(
            "SELECT c.ordinal, v.vector FROM doc_vectors v JOIN doc_chunks c ON c.id = v.chunk_id "
            "WHERE v.doc_id = ? AND v.model = ? ORDER BY c.ordinal",
            (doc_id, model),
        ) as cursor:
            async for ordinal, vector in cursor:
                keys.append((doc_id, int(ordinal)))
                blobs.append(vector if isinstance(vector, bytes) else decode_vector(vector).tobytes())
    if not blobs:
        return keys, np.zeros((0, 0), dtype=np.float32)
    dim = len(blobs[0]) // 4
    matrix = np.frombuffer(b"".join(blobs), dtype=FLOAT32_LE).reshape(len(blobs), dim)
    return keys, matrix.astype(np.float32)
