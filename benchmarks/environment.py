"""Settings and a freshly queued database for one benchmark run, all inside one folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.corpus import add_corpus
from docdesk.core.models import Status
from docdesk.core.settings import Settings, load_settings
from docdesk.core.store.connection import open_database
from docdesk.core.store.documents import count_by_status

API_KEY = "bench-key"


def bench_settings(folder: Path, **overrides: Any) -> Settings:
    """Product defaults, isolated in `folder`: the developer's config file and environment are ignored."""
    values: dict[str, Any] = {
        "db_path": folder / "docdesk.sqlite3",
        "log_dir": folder / "logs",
        "user_id": "bench",
    }
    values.update(overrides)
    return load_settings(values, environ={"DOCDESK_CONFIG": str(folder / "absent.toml")})


def openai_settings(folder: Path, base_url: str, **overrides: Any) -> Settings:
    """Settings for the openai provider on a fake server at `base_url`."""
    return bench_settings(
        folder, provider="openai", openai_api_key=API_KEY, openai_base_url=base_url, **overrides
    )


async def queue_files(settings: Settings, paths: list[Path]) -> int:
    """Create the database, queue `paths` and return how many documents were added."""
    db = await open_database(settings.resolved_db_path)
    try:
        return await add_corpus(db, paths, settings.resolved_storage_dir)
    finally:
        await db.close()


async def status_counts(settings: Settings) -> dict[Status, int]:
    db = await open_database(settings.resolved_db_path)
    try:
        return await count_by_status(db)
    finally:
        await db.close()
