"""Provider-wide state shared by every process on the database: pauses and rate-limit waits.

Keeping it in SQLite (not in memory) means a headless worker's pause shows in
the app, and several workers send one probe per interval between them, not one each.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from docdesk.core.clock import now_ms


@dataclass(frozen=True, slots=True)
class ProviderState:
    """Pause and rate-limit state of one provider and model; times are epoch ms."""

    provider_key: str
    pause_reason: str | None
    pause_message: str | None
    paused_since: int | None
    probe_at: int | None
    probe_interval_ms: int | None
    rate_limited_until: int | None
    updated_at: int

    @property
    def paused(self) -> bool:
        return self.pause_reason is not None


async def read_state(db: aiosqlite.Connection, provider_key: str) -> ProviderState | None:
    async with db.execute("SELECT * FROM provider_state WHERE provider_key = ?", (provider_key,)) as cursor:
        row = await cursor.fetchone()
    if row is None:
        return None
    return ProviderState(*(row[name] for name in ProviderState.__slots__))


async def read_all_states(db: aiosqlite.Connection) -> list[ProviderState]:
    async with db.execute("SELECT * FROM provider_state ORDER BY updated_at DESC") as cursor:
        rows = await cursor.fetchall()
    return [ProviderState(*(row[name] for name in ProviderState.__slots__)) for row in rows]


async def set_paused(
    db: aiosqlite.Connection, provider_key: str, reason: str, message: str, interval_ms: int
) -> None:
    """Pause the provider (or extend a pause) with the next probe `interval_ms` from now."""
    now = now_ms()
    await db.execute(
        """
        INSERT INTO provider_state (provider_key, pause_reason, pause_message, paused_since, probe_at,
            probe_interval_ms, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (provider_key) DO UPDATE SET
            pause_reason = excluded.pause_reason, pause_message = excluded.pause_message,
            paused_since = COALESCE(provider_state.paused_since, excluded.paused_since),
            probe_at = excluded.probe_at, probe_interval_ms = excluded.probe_interval_ms,
            updated_at = excluded.updated_at
        """,
        (provider_key, reason, message, now, now + interval_ms, interval_ms, now),
    )


async def take_probe(db: aiosqlite.Connection, provider_key: str) -> bool:
    """Claim the right to send the next probe; True for exactly one caller per interval.

    The claim pushes `probe_at` one interval ahead, so a prober that dies
    without reporting back is simply followed by another probe later.
    """
    now = now_ms()
    cursor = await db.execute(
        """
        UPDATE provider_state SET probe_at = ? + probe_interval_ms, updated_at = ?
        WHERE provider_key = ? AND pause_reason IS NOT NULL AND probe_at <= ?
        """,
        (now, now, provider_key, now),
    )
    return cursor.rowcount == 1


async def clear_pause(db: aiosqlite.Connection, provider_key: str) -> bool:
    """End a pause; return True if one was in force."""
    cursor = await db.execute(
        """
        UPDATE provider_state SET pause_reason = NULL, pause_message = NULL, paused_since = NULL,
            probe_at = NULL, probe_interval_ms = NULL, updated_at = ?
        WHERE provider_key = ? AND pause_reason IS NOT NULL
        """,
        (now_ms(), provider_key),
    )
    return cursor.rowcount == 1


async def set_rate_limited(db: aiosqlite.Connection, provider_key: str, until_ms: int) -> None:
    now = now_ms()
    await db.execute(
        """
        INSERT INTO provider_state (provider_key, rate_limited_until, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (provider_key) DO UPDATE SET
            rate_limited_until = MAX(COALESCE(provider_state.rate_limited_until, 0), excluded.rate_limited_until),
            updated_at = excluded.updated_at
        """,
        (provider_key, until_ms, now),
    )
