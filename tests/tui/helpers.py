"""Helpers for app tests: isolated settings, notifications the app shows, waiting for the app."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot

from docdesk.core.clock import now_ms
from docdesk.core.models import Status
from docdesk.core.settings import Settings, load_settings
from docdesk.tui.app import DocdeskApp
from tests.support.demo_database import DEMO_NOW_MS, build_demo_database
from tests.support.fake_openai import FakeOpenAIServer

API_KEY = "test-key"


def make_settings(tmp_path: Path, server: FakeOpenAIServer | None = None, **overrides: Any) -> Settings:
    """Settings in tmp_path with short retry, pause and poll times; the openai provider on `server`."""
    environ = {"DOCDESK_CONFIG": str(tmp_path / "absent.toml")}
    if server is not None:
        environ |= {"OPENAI_API_KEY": API_KEY, "OPENAI_BASE_URL": server.base_url}
    values: dict[str, Any] = {
        "db_path": tmp_path / "data" / "docdesk.sqlite3",
        "log_dir": tmp_path / "logs",
        "user_id": "tester",
        "provider": "openai",
        "extraction_workers": 1,
        "poll_seconds": 0.05,
        "retry_base_seconds": 0.2,
        "pause_base_seconds": 0.3,
        "pause_max_seconds": 0.6,
        "request_timeout_seconds": 10.0,
    }
    values.update(overrides)
    return load_settings(values, environ=environ)


def fixed_clock() -> int:
    return DEMO_NOW_MS


class Notes:
    """Collects the app's notifications through run_test's message hook."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, str]] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            note = message.notification
            self.items.append((note.title, note.message, note.severity))

    def text(self) -> str:
        return "\n".join(f"{title}: {body}" for title, body, _ in self.items)

    def has(self, fragment: str) -> bool:
        return fragment in self.text()


async def wait_until(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 15.0, what: str = "") -> None:
    """Let the app run until `condition()` holds; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what or condition}")
        await pilot.pause(0.05)


def status_of(app: DocdeskApp, doc_id: str) -> Status | None:
    document = app.main.table.documents.get(doc_id)
    return document.status if document else None


def status_bar_text(app: DocdeskApp) -> str:
    from docdesk.tui.widgets.status_bar import StatusBar

    return str(app.main.query_one(StatusBar).render())


def cell_text(app: DocdeskApp, doc_id: str, column: str) -> str:
    return app.main.table.get_cell(doc_id, column).plain


def corpus_file(*parts: str) -> Path:
    path = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
    path = path.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"corpus file {path} not found; the shared corpus must sit beside the repository")
    return path



def demo_app(tmp_path: Path, *, paused: bool = False, live_worker: bool = True, **options: Any) -> DocdeskApp:
    """An app without worker or watcher over the demo database, with the demo's fixed clock."""
    # The default retry base (60 s) gives the detail view a realistic schedule.
    settings = make_settings(tmp_path, openai_base_url="http://127.0.0.1:9/v1", retry_base_seconds=60.0)
    build_demo_database(
        settings.resolved_db_path, paused=paused, heartbeat_ms=now_ms() if live_worker else None
    )
    options.setdefault("clock", fixed_clock)
    options.setdefault("log_path", Path("/var/log/docdesk/docdesk.log"))
    return DocdeskApp(settings, start_worker=False, start_watcher=False, **options)


def run_sql(db_path: Path, sql: str, *params: object) -> None:
    """Change the database from another connection, as another docdesk process would."""
    connection = sqlite3.connect(db_path, timeout=30)
    try:
        with connection:
            connection.execute(sql, params)
    finally:
        connection.close()


def fetch_one(db_path: Path, sql: str, *params: object) -> tuple[Any, ...] | None:
    connection = sqlite3.connect(db_path, timeout=30)
    try:
        row: tuple[Any, ...] | None = connection.execute(sql, params).fetchone()
        return row
    finally:
        connection.close()
