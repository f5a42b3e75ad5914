"""Fixtures for app tests: the fake OpenAI server, UTC times and collected notifications."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from tests.support.fake_openai import FakeOpenAIServer
from tests.tui.helpers import API_KEY, Notes

# Animations would make Pilot waits and snapshots depend on timing.
os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(api_key=API_KEY) as server:
        yield server


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Show times in UTC, so screens with timestamps render the same everywhere."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def notes() -> Notes:
    return Notes()
