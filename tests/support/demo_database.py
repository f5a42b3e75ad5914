"""Deterministic databases for app tests, snapshots and screenshots, written with plain SQL.

Every id, time and path is fixed, so screens built from these databases with
a fixed clock render the same on every run.
"""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from docdesk.core.store.connection import open_database

# 2026-01-01 10:00:00 UTC, the "now" of every demo database.
DEMO_NOW_MS = 1_767_261_600_000
DEMO_PROVIDER_KEY = "openai:text-embedding-3-small"
DEMO_MODEL = "text-embedding-3-small"
QUOTA_MESSAGE = "You exceeded your current quota, please check your plan and billing details."


@dataclass(frozen=True, slots=True)
class DemoDocument:
    """One row of the demo `documents` table; times are offsets in seconds from DEMO_NOW_MS."""

    doc_id: str
    filename: str
    title: str
    subject: str | None
    grade: str | None
    status: str
    created_offset: int
    size: int
    stage: str | None = None
    progress: tuple[int, int] = (0, 0)
    chunk_count: int = 0
    page_count: int | None = None
    retry_count: int = 0
    next_retry_offset: int | None = None
    last_error: str | None = None


DEMO_DOCUMENTS: tuple[DemoDocument, ...] = (
    DemoDocument("a1f3c9e2b7d44c0f9e21a6b5c3d2e1f0", "photosynthesis.pdf", "Photosynthesis basics",
                 "Biology", "7", "ready", -7200, 48_213, chunk_count=12, page_count=4),
    DemoDocument("b2e4d0f3c8e55d1a0f32b7c6d4e3f2a1", "cell-division.docx", "Cell division",
                 "Biology", "8", "ready", -6900, 91_554, chunk_count=30),
    DemoDocument("c3f5e1a4d9f66e2b1a43c8d7e5f4a3b2", "french-revolution.pdf", "The French Revolution",
                 "History", "9", "processing", -3600, 1_204_332, stage="embedding", progress=(14, 40),
                 page_count=22),
    DemoDocument("d4a6f2b5e0a77f3c2b54d9e8f6a5b4c3", "algebra-worksheet.pdf", "Algebra worksheet",
                 "Maths", "8", "processing", -3000, 33_010, stage="extracting"),
    DemoDocument("e5b7a3c6f1b88a4d3c65e0f9a7b6c5d4", "romantic-poems.txt", "Poems of the Romantics",
                 "English", "10", "queued", -1800, 12_870),
    DemoDocument("f6c8b4d7a2c99b5e4d76f1a0b8c7d6e5", "water-cycle.md", "The water cycle",
                 "Geography", "6", "queued", -1500, 8_402, retry_count=2, next_retry_offset=192,
                 last_error="server error 503: The server had an error while processing your request."),
    DemoDocument("a7d9c5e8b3d00c6f5e87a2b1c9d8e7f6", "scanned-handout.pdf", "Scanned handout",
                 "History", "9", "error", -1200, 2_331_904,
                 last_error="no extractable text (scanned? OCR is not supported)"),
    DemoDocument("b8e0d6f9c4e11d7a6f98b3c2d0e9f8a7", "plate-tectonics.docx", "Plate tectonics",
                 "Geography", "8", "error", -900, 64_118, retry_count=8,
                 last_error="request timed out after 60 s (gave up after 8 retries)"),
)


def _insert_documents(connection: sqlite3.Connection, documents: tuple[DemoDocument, ...], now_ms: int) -> None:
    for doc in documents:
        created = now_ms + doc.created_offset * 1000
        next_retry = now_ms + doc.next_retry_offset * 1000 if doc.next_retry_offset is not None else None
        suffix = Path(doc.filename).suffix
        connection.execute(
            """
            INSERT INTO documents (id, user_id, filename, storage_path, title, title_source, subject, grade,
                mime, size, created_at, updated_at, status, retry_count, next_retry_at, last_error,
                content_hash, source_path, stage, progress_done, progress_total, page_count, chunk_count, model)
            VALUES (?, 'teacher', ?, ?, ?, 'user', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (
                doc.doc_id, doc.filename, f"/srv/docdesk/files/{doc.doc_id[:2]}/{doc.doc_id}{suffix}",
                doc.title, doc.subject, doc.grade, "application/octet-stream", doc.size, created, created,
                doc.status, doc.retry_count, next_retry, doc.last_error, f"hash-{doc.doc_id}",
                f"/home/teacher/material/{doc.filename}", doc.stage, doc.progress[0], doc.progress[1],
                doc.page_count, doc.chunk_count, DEMO_MODEL if doc.status == "ready" else None,
            ),
        )
        for ordinal in range(doc.chunk_count if doc.status == "ready" else 0):
            connection.execute(
                "INSERT INTO doc_chunks (id, doc_id, ordinal, text) VALUES (?, ?, ?, ?)",
                (f"{doc.doc_id}:{ordinal}", doc.doc_id, ordinal, f"{doc.title}, part {ordinal + 1}."),
            )


def _insert_provider_rows(
    connection: sqlite3.Connection, now_ms: int, *, paused: bool, heartbeat_ms: int | None
) -> None:
    if heartbeat_ms is not None:
        connection.execute(
            "INSERT INTO workers (id, pid, hostname, provider_key, started_at, heartbeat_at, chunks_embedded) "
            "VALUES ('demo-host:1:worker', 1, 'demo-host', ?, ?, ?, 0)",
            (DEMO_PROVIDER_KEY, heartbeat_ms, heartbeat_ms),
        )
    if paused:
        connection.execute(
            "INSERT INTO provider_state (provider_key, pause_reason, pause_message, paused_since, probe_at, "
            "probe_interval_ms, updated_at) VALUES (?, 'quota exhausted', ?, ?, ?, 30000, ?)",
            (DEMO_PROVIDER_KEY, QUOTA_MESSAGE, now_ms - 5_000, now_ms + 25_000, now_ms),
        )


def build_demo_database(
    path: Path,
    *,
    now_ms: int = DEMO_NOW_MS,
    paused: bool = False,
    heartbeat_ms: int | None = None,
    documents: tuple[DemoDocument, ...] = DEMO_DOCUMENTS,
) -> Path:
    """Create the schema at `path` and fill it with `documents` (every status, with chunks when ready).

    `heartbeat_ms` registers one live worker of the demo provider (pass the real
    current time, since liveness is judged against it); `paused` adds a quota pause.
    """
    _create_schema(path)
    connection = sqlite3.connect(path)
    try:
        with connection:
            _insert_documents(connection, documents, now_ms)
            _insert_provider_rows(connection, now_ms, paused=paused, heartbeat_ms=heartbeat_ms)
    finally:
        connection.close()
    return path


def build_bulk_database(path: Path, count: int, *, now_ms: int = DEMO_NOW_MS) -> Path:
    """Create `count` documents of mixed status in one SQL statement, for load tests of the table."""
    _create_schema(path)
    connection = sqlite3.connect(path)
    try:
        with connection:
            connection.execute(
                """
                WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
                INSERT INTO documents (id, user_id, filename, storage_path, title, subject, grade, mime, size,
                    created_at, updated_at, status, retry_count, content_hash, chunk_count)
                SELECT printf('doc%06d', i), 'teacher', printf('file-%06d.pdf', i),
                    printf('/srv/docdesk/files/%06d.pdf', i), printf('Document %06d', i),
                    CASE i % 3 WHEN 0 THEN 'Biology' WHEN 1 THEN 'History' ELSE 'Maths' END,
                    CAST(5 + i % 8 AS TEXT), 'application/pdf', 1000 + i, ? + i, ? + i,
                    CASE i % 4 WHEN 0 THEN 'ready' WHEN 1 THEN 'queued' WHEN 2 THEN 'error' ELSE 'ready' END,
                    0, printf('hash-%06d', i), 10
                FROM n
                """,
                (count, now_ms, now_ms),
            )
    finally:
        connection.close()
    return path


def _create_schema(path: Path) -> None:
    """Create the current schema at `path`.

    The async store code runs on a thread of its own, so callers inside a running
    event loop (async tests) can use this function too.
    """

    async def create() -> None:
        db = await open_database(path)
        await db.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, create()).result()
