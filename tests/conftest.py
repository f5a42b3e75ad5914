"""Shared fixtures: an isolated data folder, settings pointing into it, and the corpus path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest

from docdesk.core.settings import Settings, load_settings
from docdesk.core.store.connection import open_database

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS = REPO_ROOT.parent / "shared" / "corpus"


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.fail(f"shared corpus not found at {CORPUS}; it must sit beside the repository")
    return CORPUS


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings isolated in tmp_path, ignoring the developer's environment and config file."""
    environ = {"DOCDESK_CONFIG": str(tmp_path / "absent.toml")}
    return load_settings(
        {
            "db_path": tmp_path / "data" / "docdesk.sqlite3",
            "log_dir": tmp_path / "logs",
            "user_id": "tester",
            "extraction_workers": 1,
            "poll_seconds": 0.05,
        },
        environ=environ,
    )


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[aiosqlite.Connection]:
    connection = await open_database(settings.resolved_db_path)
    try:
        yield connection
    finally:
        await connection.close()
