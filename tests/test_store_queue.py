"""Claiming, leases and guarded status transitions of the work queue."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiosqlite
import numpy as np
import pytest

from docdesk.core.models import Chunk, Status
from docdesk.core.store import queue
from docdesk.core.store.chunks import LeaseLostError, ReadyResult, read_chunks, save_ready
from docdesk.core.store.connection import open_database
from docdesk.core.store.documents import NewDocument, get_document, insert_document, requeue


def _new(n: int, content_hash: str | None = None) -> NewDocument:
    return NewDocument(
        user_id="u", filename=f"f{n}.txt", storage_path=f"/s/{n}", content_hash=content_hash or f"h{n}",
        mime="text/plain", size=1, title=f"F{n}", title_source="filename",
    )


async def test_duplicate_content_returns_existing(db: aiosqlite.Connection) -> None:
    first, created_first = await insert_document(db, _new(1, "same"))
    second, created_second = await insert_document(db, _new(2, "same"))
    assert created_first
    assert not created_second
    assert second.id == first.id


async def test_claim_takes_each_document_once(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    setup = await open_database(path)
    for n in range(40):
        await insert_document(setup, _new(n))
    await setup.close()

    async def drain(worker: str) -> list[str]:
        db = await open_database(path)
        taken: list[str] = []
        while (doc := await queue.claim_next(db, worker, 60_000)) is not None:
            taken.append(doc.id)
        await db.close()
        return taken

    results = await asyncio.gather(*(drain(f"w{i}") for i in range(4)))
    all_ids = [doc_id for taken in results for doc_id in taken]
    assert len(all_ids) == 40
    assert len(set(all_ids)) == 40


async def test_expired_lease_is_reclaimed(db: aiosqlite.Connection) -> None:
    doc, _ = await insert_document(db, _new(1))
    await queue.claim_next(db, "crashed", lease_ms=-1)
    reclaimed = await queue.claim_next(db, "rescuer", lease_ms=60_000)
    assert reclaimed is not None
    assert reclaimed.id == doc.id
    assert reclaimed.lease_owner == "rescuer"


async def test_live_lease_is_not_reclaimed(db: aiosqlite.Connection) -> None:
    await insert_document(db, _new(1))
    await queue.claim_next(db, "owner", lease_ms=60_000)
    assert await queue.claim_next(db, "other", lease_ms=60_000) is None


async def test_future_retry_is_not_due(db: aiosqlite.Connection) -> None:
    doc, _ = await insert_document(db, _new(1))
    await queue.claim_next(db, "w", 60_000)
    await queue.return_to_queue(db, doc.id, "w", reason="boom", next_retry_at=2**50, count_retry=True)
    assert await queue.claim_next(db, "w", 60_000) is None
    stored = await get_document(db, doc.id)
    assert stored is not None
    assert stored.status is Status.QUEUED
    assert stored.retry_count == 1
    assert stored.last_error == "boom"


async def test_stale_worker_cannot_overwrite(db: aiosqlite.Connection) -> None:
    doc, _ = await insert_document(db, _new(1))
    await queue.claim_next(db, "old", lease_ms=-1)
    await queue.claim_next(db, "new", lease_ms=60_000)
    assert not await queue.mark_error(db, doc.id, "old", "late failure")
    result = ReadyResult([Chunk(0, "text")], np.ones((1, 3), np.float32), "m", None, None)
    with pytest.raises(LeaseLostError):
        await save_ready(db, doc.id, "old", result)


async def test_save_ready_replaces_chunks(db: aiosqlite.Connection) -> None:
    doc, _ = await insert_document(db, _new(1))
    for texts in (["a", "b", "c"], ["x", "y"]):
        await queue.claim_next(db, "w", 60_000)
        chunks = [Chunk(i, t) for i, t in enumerate(texts)]
        await save_ready(db, doc.id, "w", ReadyResult(chunks, np.ones((len(texts), 3), np.float32), "m", None, "Meta"))
        await requeue(db, [doc.id])
    stored = await read_chunks(db, doc.id)
    async with db.execute("SELECT COUNT(*) FROM doc_vectors WHERE doc_id = ?", (doc.id,)) as cursor:
        vectors = (await cursor.fetchone())[0]
    assert [c.text for c in stored] == ["x", "y"]
    assert vectors == 2


async def test_metadata_title_replaces_file_name_title(db: aiosqlite.Connection) -> None:
    doc, _ = await insert_document(db, _new(1))
    await queue.claim_next(db, "w", 60_000)
    result = ReadyResult([Chunk(0, "t")], np.ones((1, 2), np.float32), "m", None, "Real Title")
    await save_ready(db, doc.id, "w", result)
    stored = await get_document(db, doc.id)
    assert stored is not None
    assert stored.title == "Real Title"
    assert stored.status is Status.READY
