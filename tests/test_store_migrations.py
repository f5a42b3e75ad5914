"""Schema creation and in-place upgrade of databases written by older versions."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np

from docdesk.core.models import Status
from docdesk.core.store.chunks import read_vectors
from docdesk.core.store.connection import open_database
from docdesk.core.store.documents import list_documents
from docdesk.core.store.migrations import SCHEMA_VERSION
from docdesk.core.store.vectors import decode_vector

OLD_SCHEMA_WITHOUT_RETRY_COLUMNS = """
CREATE TABLE documents (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, filename TEXT NOT NULL, storage_path TEXT NOT NULL,
    title TEXT, subject TEXT, grade TEXT, mime TEXT, size INTEGER, created_at INTEGER NOT NULL
);
CREATE TABLE doc_chunks (id TEXT PRIMARY KEY, doc_id TEXT, ordinal INTEGER, text TEXT);
CREATE TABLE doc_vectors (id TEXT PRIMARY KEY, doc_id TEXT, chunk_id TEXT, vector TEXT);
INSERT INTO documents VALUES ('d1', 'u', 'a.pdf', '/s/a.pdf', 'A', 'Bio', '9', 'application/pdf', 10, 1000);
INSERT INTO documents VALUES ('d2', 'u', 'b.txt', '/s/b.txt', 'B', NULL, NULL, 'text/plain', 5, 2000);
INSERT INTO doc_chunks VALUES ('c1', 'd1', 0, 'first chunk');
INSERT INTO doc_chunks VALUES ('c2', 'd1', 1, 'second chunk');
"""


def _build(path: Path, script: str, vectors: list[tuple[str, str, str, object]] = ()) -> None:  # type: ignore[assignment]
    connection = sqlite3.connect(path)
    connection.executescript(script)
    connection.executemany("INSERT INTO doc_vectors VALUES (?, ?, ?, ?)", vectors)
    connection.commit()
    connection.close()


async def test_new_database_has_current_schema(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "new.sqlite3")
    async with db.execute("PRAGMA user_version") as cursor:
        version = (await cursor.fetchone())[0]
    async with db.execute("PRAGMA journal_mode") as cursor:
        mode = (await cursor.fetchone())[0]
    await db.close()
    assert version == SCHEMA_VERSION
    assert mode == "wal"


async def test_old_documents_gain_status_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    _build(path, OLD_SCHEMA_WITHOUT_RETRY_COLUMNS)
    db = await open_database(path)
    documents = await list_documents(db)
    await db.close()
    assert [d.id for d in documents] == ["d1", "d2"]
    assert all(d.status is Status.QUEUED for d in documents)
    assert all(d.retry_count == 0 for d in documents)
    assert documents[0].subject == "Bio"


async def test_json_vectors_are_converted(tmp_path: Path) -> None:
    path = tmp_path / "node.sqlite3"
    rows = [("v1", "d1", "c1", json.dumps([0.5, -1.25, 3.0])), ("v2", "d1", "c2", json.dumps([1.0, 0.0, 0.0]))]
    _build(path, OLD_SCHEMA_WITHOUT_RETRY_COLUMNS, rows)
    db = await open_database(path)
    async with db.execute("SELECT id, typeof(vector), vector, dim FROM doc_vectors ORDER BY id") as cursor:
        stored = await cursor.fetchall()
    await db.close()
    assert [row[1] for row in stored] == ["blob", "blob"]
    assert np.allclose(decode_vector(stored[0][2]), [0.5, -1.25, 3.0])
    assert stored[0][3] == 3


async def test_unreadable_json_vector_row_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "bad.sqlite3"
    _build(path, OLD_SCHEMA_WITHOUT_RETRY_COLUMNS, [("v1", "d1", "c1", "not json")])
    db = await open_database(path)
    async with db.execute("SELECT COUNT(*) FROM doc_vectors") as cursor:
        count = (await cursor.fetchone())[0]
    await db.close()
    assert count == 1


async def test_migrated_vectors_are_readable(tmp_path: Path) -> None:
    path = tmp_path / "node.sqlite3"
    _build(path, OLD_SCHEMA_WITHOUT_RETRY_COLUMNS, [("v1", "d1", "c1", json.dumps([0.5, 0.5]))])
    db = await open_database(path)
    await db.execute("UPDATE doc_vectors SET model = 'legacy'")
    keys, matrix = await read_vectors(db, ["d1"], "legacy")
    await db.close()
    assert keys == [("d1", 0)]
    assert matrix.shape == (1, 2)


async def test_migration_keeps_every_row(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    orphan = "INSERT INTO doc_chunks VALUES ('c9', 'gone', 0, 'orphan');"
    _build(path, OLD_SCHEMA_WITHOUT_RETRY_COLUMNS + orphan)
    db = await open_database(path)
    async with db.execute("SELECT COUNT(*) FROM doc_chunks") as cursor:
        chunks = (await cursor.fetchone())[0]
    await db.close()
    assert chunks == 3


async def test_deleting_document_cascades(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    _build(path, OLD_SCHEMA_WITHOUT_RETRY_COLUMNS, [("v1", "d1", "c1", json.dumps([1.0]))])
    db = await open_database(path)
    await db.execute("DELETE FROM documents WHERE id = 'd1'")
    async with db.execute("SELECT COUNT(*) FROM doc_chunks WHERE doc_id = 'd1'") as cursor:
        chunks = (await cursor.fetchone())[0]
    async with db.execute("SELECT COUNT(*) FROM doc_vectors WHERE doc_id = 'd1'") as cursor:
        vectors = (await cursor.fetchone())[0]
    await db.close()
    assert chunks == 0
    assert vectors == 0


async def test_database_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "private" / "db.sqlite3"
    db = await open_database(path)
    await db.close()
    assert path.stat().st_mode & 0o077 == 0
    assert path.parent.stat().st_mode & 0o077 == 0
