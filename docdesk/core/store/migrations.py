"""Numbered schema migrations, tracked in `PRAGMA user_version`.

Migration N brings a database from version N-1 to N. Each runs in one write
transaction that re-reads the version first, so two processes opening a new
database at once apply every migration exactly once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

import aiosqlite

from docdesk.core.store.vectors import encode_vector

log = logging.getLogger(__name__)

Migration = Callable[[aiosqlite.Connection], Awaitable[None]]


async def _columns(db: aiosqlite.Connection, table: str) -> set[str]:
    async with db.execute(f"PRAGMA table_info({table})") as cursor:
        return {row[1] async for row in cursor}


async def _run_script(db: aiosqlite.Connection, script: str) -> None:
    """Run `;`-separated statements one by one.

    sqlite3's executescript() would COMMIT the migration's open transaction first.
    """
    for statement in script.split(";"):
        if statement.strip():
            await db.execute(statement)


async def _add_missing_columns(db: aiosqlite.Connection, table: str, columns: dict[str, str]) -> None:
    present = await _columns(db, table)
    for name, definition in columns.items():
        if name not in present:
            await db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {definition}")


async def _m1_base_tables(db: aiosqlite.Connection) -> None:
    """Create the original tables, or upgrade an old install that lacks the retry columns."""
    await _run_script(db,
        """
        CREATE TABLE IF NOT EXISTS documents (
            id TEXT PRIMARY KEY,
            user_id TEXT NOT NULL,
            filename TEXT NOT NULL,
            storage_path TEXT NOT NULL,
            title TEXT, subject TEXT, grade TEXT, mime TEXT, size INTEGER,
            created_at INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'queued',
            retry_count INTEGER NOT NULL DEFAULT 0,
            next_retry_at INTEGER,
            last_error TEXT
        );
        CREATE TABLE IF NOT EXISTS doc_chunks (id, doc_id, ordinal, text);
        CREATE TABLE IF NOT EXISTS doc_vectors (id, doc_id, chunk_id, vector);
        """
    )
    # Existing rows take the defaults, so an old install's documents become `queued`.
    await _add_missing_columns(
        db,
        "documents",
        {
            "status": "TEXT NOT NULL DEFAULT 'queued'",
            "retry_count": "INTEGER NOT NULL DEFAULT 0",
            "next_retry_at": "INTEGER",
            "last_error": "TEXT",
        },
    )
    cursor = await db.execute(
        "UPDATE documents SET status = 'queued' WHERE status NOT IN ('queued','processing','ready','error')"
    )
    if cursor.rowcount:
        log.warning("migration 1: %d documents had an unknown status and were queued", cursor.rowcount)


_CHUNKS_V2 = """
CREATE TABLE doc_chunks_v2 (
    id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    page_start INTEGER,
    page_end INTEGER,
    token_count INTEGER,
    text_hash TEXT
)
"""

_VECTORS_V2 = """
CREATE TABLE doc_vectors_v2 (
    id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    chunk_id TEXT REFERENCES doc_chunks(id) ON DELETE CASCADE,
    vector BLOB NOT NULL,
    model TEXT,
    dim INTEGER
)
"""


async def _convert_json_vectors(db: aiosqlite.Connection) -> None:
    """Rewrite JSON-array vectors (old Node.js app) as float32 BLOBs; keep unreadable ones as they are."""
    async with db.execute("SELECT id, vector FROM doc_vectors WHERE typeof(vector) = 'text'") as cursor:
        rows = list(await cursor.fetchall())
    unreadable = 0
    for row_id, text in rows:
        try:
            values = json.loads(text)
            blob = encode_vector(values)
        except (ValueError, TypeError):
            unreadable += 1
            continue
        await db.execute(
            "UPDATE doc_vectors SET vector = ?, dim = ? WHERE id IS ?", (blob, len(values), row_id)
        )
    if rows:
        log.info("migration 2: converted %d JSON vectors to float32", len(rows) - unreadable)
    if unreadable:
        log.warning("migration 2: %d vectors are not valid JSON arrays and were left as text", unreadable)


async def _m2_docdesk_columns(db: aiosqlite.Connection) -> None:
    """Add what docdesk's features need and give chunks and vectors cascading foreign keys."""
    await _add_missing_columns(
        db,
        "documents",
        {
            "content_hash": "TEXT",
            "source_path": "TEXT",
            "title_source": "TEXT",
            "updated_at": "INTEGER",
            "stage": "TEXT",
            "progress_done": "INTEGER NOT NULL DEFAULT 0",
            "progress_total": "INTEGER NOT NULL DEFAULT 0",
            "page_count": "INTEGER",
            "chunk_count": "INTEGER NOT NULL DEFAULT 0",
            "model": "TEXT",
            "lease_owner": "TEXT",
            "lease_expires_at": "INTEGER",
        },
    )
    await db.execute("UPDATE documents SET updated_at = created_at WHERE updated_at IS NULL")
    # SQLite cannot add a foreign key to an existing table, so the two child
    # tables are rebuilt; every old row is copied, orphans included.
    await db.execute(_CHUNKS_V2)
    await db.execute(
        "INSERT INTO doc_chunks_v2 (id, doc_id, ordinal, text) "
        "SELECT COALESCE(CAST(id AS TEXT), doc_id || ':' || ordinal), doc_id, ordinal, COALESCE(text, '') "
        "FROM doc_chunks"
    )
    await db.execute(_VECTORS_V2)
    await db.execute(
        "INSERT INTO doc_vectors_v2 (id, doc_id, chunk_id, vector) "
        "SELECT COALESCE(CAST(id AS TEXT), 'v' || rowid), doc_id, CAST(chunk_id AS TEXT), vector "
        "FROM doc_vectors"
    )
    await _run_script(db,
        """
        DROP TABLE doc_vectors;
        DROP TABLE doc_chunks;
        ALTER TABLE doc_chunks_v2 RENAME TO doc_chunks;
        ALTER TABLE doc_vectors_v2 RENAME TO doc_vectors;
        """
    )
    await db.execute("UPDATE doc_vectors SET dim = length(vector) / 4 WHERE typeof(vector) = 'blob'")
    await _convert_json_vectors(db)
    await _run_script(db,
        """
        CREATE INDEX IF NOT EXISTS idx_documents_user ON documents(user_id);
        CREATE INDEX IF NOT EXISTS idx_documents_status_retry ON documents(status, next_retry_at);
        CREATE UNIQUE INDEX IF NOT EXISTS idx_documents_content
            ON documents(user_id, content_hash) WHERE content_hash IS NOT NULL;
        CREATE INDEX IF NOT EXISTS idx_documents_source ON documents(source_path);
        CREATE INDEX IF NOT EXISTS idx_doc_chunks_doc ON doc_chunks(doc_id, ordinal);
        CREATE INDEX IF NOT EXISTS idx_doc_vectors_doc ON doc_vectors(doc_id);
        CREATE INDEX IF NOT EXISTS idx_doc_vectors_chunk ON doc_vectors(chunk_id);
        """
    )


async def _m3_provider_state_and_cache(db: aiosqlite.Connection) -> None:
    """Shared provider pause state, the embedding cache and the worker registry."""
    await _run_script(db,
        """
        CREATE TABLE provider_state (
            provider_key TEXT PRIMARY KEY,
            pause_reason TEXT,
            pause_message TEXT,
            paused_since INTEGER,
            probe_at INTEGER,
            probe_interval_ms INTEGER,
            rate_limited_until INTEGER,
            updated_at INTEGER NOT NULL
        );
        CREATE TABLE embedding_cache (
            model TEXT NOT NULL,
            text_hash TEXT NOT NULL,
            dim INTEGER NOT NULL,
            vector BLOB NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (model, text_hash)
        ) WITHOUT ROWID;
        CREATE TABLE workers (
            id TEXT PRIMARY KEY,
            pid INTEGER NOT NULL,
            hostname TEXT NOT NULL,
            provider_key TEXT,
            started_at INTEGER NOT NULL,
            heartbeat_at INTEGER NOT NULL,
            chunks_embedded INTEGER NOT NULL DEFAULT 0,
            state TEXT
        );
        """
    )


MIGRATIONS: list[Migration] = [_m1_base_tables, _m2_docdesk_columns, _m3_provider_state_and_cache]
SCHEMA_VERSION = len(MIGRATIONS)


async def schema_version(db: aiosqlite.Connection) -> int:
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def migrate(db: aiosqlite.Connection) -> None:
    """Apply every pending migration, each in its own transaction."""
    if await schema_version(db) >= SCHEMA_VERSION:
        return
    # Table rebuilds must not trip foreign-key checks half-way, and this pragma
    # is a no-op inside a transaction, so it is switched around the whole run.
    await db.execute("PRAGMA foreign_keys = OFF")
    try:
        for number, migration in enumerate(MIGRATIONS, start=1):
            await _apply(db, number, migration)
    finally:
        await db.execute("PRAGMA foreign_keys = ON")


async def _apply(db: aiosqlite.Connection, number: int, migration: Migration) -> None:
    await db.execute("BEGIN IMMEDIATE")
    try:
        if await schema_version(db) >= number:
            await db.execute("ROLLBACK")
            return
        await migration(db)
        await db.execute(f"PRAGMA user_version = {number}")
    except BaseException:
        await db.execute("ROLLBACK")
        raise
    await db.execute("COMMIT")
    log.info("database migrated to schema version %d", number)
