"""Consistency checks of a docdesk database after crashes, read with the standard sqlite3 module."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@contextmanager
def read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """Open the database without writing to it, so a check cannot repair what it checks."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        yield connection
    finally:
        connection.close()


def _rows(connection: sqlite3.Connection, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in connection.execute(sql).fetchall()]


@dataclass(frozen=True)
class DatabaseCheck:
    """Problems found in a database. A sound one has every list empty and `integrity` equal to ["ok"]."""

    integrity: list[str]
    foreign_key_violations: list[tuple[Any, ...]]
    duplicate_ordinals: list[tuple[Any, ...]]
    # Ready documents whose chunk_count column, chunk rows and vector rows disagree, or are zero.
    count_mismatches: list[tuple[Any, ...]]
    orphan_chunks: list[tuple[Any, ...]]
    orphan_vectors: list[tuple[Any, ...]]
    # Chunks of documents that are not ready: half-written results a crash could leave behind.
    unfinished_chunks: list[tuple[Any, ...]]
    wrong_size_vectors: list[tuple[Any, ...]]


def check_database(path: Path) -> DatabaseCheck:
    with read_only(path) as connection:
        return DatabaseCheck(
            integrity=[row[0] for row in _rows(connection, "PRAGMA integrity_check")],
            foreign_key_violations=_rows(connection, "PRAGMA foreign_key_check"),
            duplicate_ordinals=_rows(
                connection,
                "SELECT doc_id, ordinal, COUNT(*) FROM doc_chunks GROUP BY doc_id, ordinal HAVING COUNT(*) > 1",
            ),
            count_mismatches=_rows(
                connection,
                """
                SELECT id, chunk_count, chunks, vectors FROM (
                    SELECT d.id, d.chunk_count,
                        (SELECT COUNT(*) FROM doc_chunks c WHERE c.doc_id = d.id) AS chunks,
                        (SELECT COUNT(*) FROM doc_vectors v WHERE v.doc_id = d.id) AS vectors
                    FROM documents d WHERE d.status = 'ready'
                ) WHERE chunks != vectors OR chunks != chunk_count OR chunks = 0
                """,
            ),
            orphan_chunks=_rows(
                connection, "SELECT id FROM doc_chunks WHERE doc_id NOT IN (SELECT id FROM documents)"
            ),
            orphan_vectors=_rows(
                connection,
                "SELECT v.id FROM doc_vectors v LEFT JOIN doc_chunks c ON c.id = v.chunk_id "
                "WHERE c.id IS NULL OR c.doc_id != v.doc_id",
            ),
            unfinished_chunks=_rows(
                connection,
                "SELECT DISTINCT c.doc_id, d.status FROM doc_chunks c JOIN documents d ON d.id = c.doc_id "
                "WHERE d.status != 'ready'",
            ),
            wrong_size_vectors=_rows(
                connection, "SELECT id, dim, length(vector) FROM doc_vectors WHERE length(vector) != 4 * dim"
            ),
        )


@dataclass(frozen=True)
class DocumentRow:
    """The columns of one document that outcome checks look at."""

    id: str
    filename: str
    status: str
    retry_count: int
    last_error: str | None
    chunk_count: int
    storage_path: str
    content_hash: str | None
    size: int | None


def document_rows(path: Path) -> list[DocumentRow]:
    with read_only(path) as connection:
        rows = connection.execute(
            "SELECT id, filename, status, retry_count, last_error, chunk_count, storage_path, content_hash, size "
            "FROM documents ORDER BY created_at, id"
        ).fetchall()
    return [DocumentRow(*row) for row in rows]


def chunk_texts(path: Path, doc_id: str) -> list[str]:
    with read_only(path) as connection:
        rows = connection.execute(
            "SELECT text FROM doc_chunks WHERE doc_id = ? ORDER BY ordinal", (doc_id,)
        ).fetchall()
    return [row[0] for row in rows]


def all_chunk_texts(path: Path) -> list[str]:
    with read_only(path) as connection:
        return [row[0] for row in connection.execute("SELECT text FROM doc_chunks").fetchall()]


def processing_stages(path: Path) -> list[str]:
    """Return the stage of every document in `processing` (what a crash interrupted)."""
    with read_only(path) as connection:
        rows = connection.execute("SELECT COALESCE(stage, '') FROM documents WHERE status = 'processing'")
        return [row[0] for row in rows.fetchall()]
