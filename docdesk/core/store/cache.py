"""The embedding cache: vectors keyed by (model, SHA-256 of the chunk text).

Text already embedded with a model is never sent again, whether it comes back
in a re-queued document, a second copy of a file, or after a crash.
"""

from __future__ import annotations

import aiosqlite
import numpy as np
import numpy.typing as npt

from docdesk.core.clock import now_ms
from docdesk.core.store.vectors import FLOAT32_LE


async def lookup(
    db: aiosqlite.Connection, model: str, hashes: list[str]
) -> dict[str, npt.NDArray[np.float32]]:
    """Return the cached vectors among `hashes`, keyed by hash."""
    found: dict[str, npt.NDArray[np.float32]] = {}
    # SQLite limits bound parameters per statement (32,766 since 3.32); 500 stays far below.
    for start in range(0, len(hashes), 500):
        part = hashes[start : start + 500]
        marks = ",".join("?" * len(part))
        # Only the number of `?` placeholders is formatted in; every value is bound.
        async with db.execute(
            f"SELECT text_hash, vector FROM embedding_cache WHERE model = ? AND text_hash IN ({marks})",  # noqa: S608
            (model, *part),
        ) as cursor:
            async for digest, blob in cursor:
                found[digest] = np.frombuffer(blob, dtype=FLOAT32_LE).astype(np.float32)
    return found


async def store(
    db: aiosqlite.Connection, model: str, hashes: list[str], vectors: npt.NDArray[np.float32]
) -> None:
    """Cache freshly embedded vectors; an entry already present is kept."""
    now = now_ms()
    dim = int(vectors.shape[1]) if len(vectors) else 0
    rows = np.ascontiguousarray(vectors, dtype=FLOAT32_LE)
    await db.executemany(
        "INSERT OR IGNORE INTO embedding_cache (model, text_hash, dim, vector, created_at) VALUES (?, ?, ?, ?, ?)",
        [(model, digest, dim, rows[i].tobytes(), now) for i, digest in enumerate(hashes)],
    )


async def known_dimension(db: aiosqlite.Connection, model: str) -> int | None:
    """Return the vector size already cached for `model`, or None before its first vector."""
    async with db.execute("SELECT dim FROM embedding_cache WHERE model = ? LIMIT 1", (model,)) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else None
