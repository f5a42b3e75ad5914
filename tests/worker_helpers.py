"""Building queues of real documents and running the real worker against the fake OpenAI server."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import aiosqlite

from docdesk.core.intake.add import add_file
from docdesk.core.models import Document
from docdesk.core.providers.openai_provider import OpenAIProvider
from docdesk.core.settings import Settings
from docdesk.core.store.connection import open_database
from docdesk.core.store.documents import list_documents
from docdesk.core.worker.worker import Worker
from tests.support.fake_openai import FakeOpenAIServer

TOPICS = ("photosynthesis", "volcano", "fractions", "poetry", "magnetism", "democracy", "glaciers", "enzymes")


def topic_text(n: int, paragraphs: int = 3) -> str:
    """Distinct, deterministic text for document `n`: no two documents share a paragraph."""
    topic = TOPICS[n % len(TOPICS)]
    return "\n\n".join(
        f"Lesson {n} part {p} about {topic}: students study {topic} example {n * 100 + p} in detail."
        for p in range(paragraphs)
    )


def fast_settings(settings: Settings, server: FakeOpenAIServer, **changes: object) -> Settings:
    """Settings for the openai provider on the fake server, with retry timings shrunk for tests."""
    defaults: dict[str, object] = {
        "provider": "openai",
        "openai_api_key": "test-key",
        "openai_base_url": server.base_url,
        "retry_base_seconds": 0.05,
        "pause_base_seconds": 0.3,
        "pause_max_seconds": 1.0,
        "lease_seconds": 5.0,
        "request_timeout_seconds": 5.0,
        "poll_seconds": 0.05,
    }
    defaults.update(changes)
    return replace(settings, **defaults)


async def add_texts(settings: Settings, folder: Path, count: int, paragraphs: int = 3) -> list[str]:
    """Write `count` text files and add them; return their document ids."""
    folder.mkdir(parents=True, exist_ok=True)
    db = await open_database(settings.resolved_db_path)
    ids: list[str] = []
    try:
        for n in range(count):
            path = folder / f"lesson-{n:04d}.txt"
            path.write_text(topic_text(n, paragraphs), encoding="utf-8")
            result = await add_file(db, path, storage_dir=settings.resolved_storage_dir, user_id="tester")
            ids.append(result.document.id)
    finally:
        await db.close()
    return ids


async def run_worker(settings: Settings, timeout: float = 60, api_key: str | None = None) -> None:
    """Run one worker until the queue is idle, failing the test if it takes longer than `timeout`."""
    provider = OpenAIProvider(
        api_key=api_key or settings.openai_api_key or "",
        base_url=settings.openai_base_url,
        model=settings.embed_model,
        timeout_seconds=settings.request_timeout_seconds,
    )
    try:
        await asyncio.wait_for(Worker(settings, provider).run(until_idle=True), timeout)
    finally:
        await provider.aclose()


async def documents(settings: Settings) -> list[Document]:
    db: aiosqlite.Connection = await open_database(settings.resolved_db_path)
    try:
        return await list_documents(db)
    finally:
        await db.close()
