"""Running the in-process worker over a queue and summarising what happened, for the fault tests."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from docdesk.core.intake.add import add_file
from docdesk.core.models import Document, Status
from docdesk.core.providers.openai_provider import OpenAIProvider
from docdesk.core.settings import Settings
from docdesk.core.store.connection import open_database
from docdesk.core.worker.worker import Worker
from tests.reliability.report import ScenarioRow
from tests.reliability.servers import RecordingServer
from tests.worker_helpers import documents, topic_text


def make_provider(config: Settings, *, api_key: str | None = None, base_url: str | None = None) -> OpenAIProvider:
    """Build the provider a worker would build from `config`, optionally with another key or URL."""
    return OpenAIProvider(
        api_key=api_key or config.openai_api_key or "",
        base_url=base_url or config.openai_base_url,
        model=config.embed_model,
        timeout_seconds=config.request_timeout_seconds,
    )


async def drain(config: Settings, provider: OpenAIProvider, timeout: float = 60) -> float:
    """Run one worker until the queue is idle and return the seconds it took.

    Raises TimeoutError after `timeout` seconds. The worker is then stopped and
    returns the documents in its hands to the queue.
    """
    started = time.monotonic()
    await asyncio.wait_for(Worker(config, provider).run(until_idle=True), timeout)
    return time.monotonic() - started


@dataclass(frozen=True)
class QueueOutcome:
    """The documents after a run and how long the run took."""

    documents: list[Document]
    elapsed: float

    def statuses(self) -> Counter[Status]:
        return Counter(document.status for document in self.documents)

    def max_retries(self) -> int:
        return max((document.retry_count for document in self.documents), default=0)

    def summary(self) -> str:
        counts = self.statuses()
        parts = [f"{counts[status]} {status.value}" for status in Status if counts[status]]
        return f"{', '.join(parts)}; max retry_count {self.max_retries()}; {self.elapsed:.1f} s"


async def outcome_of(config: Settings, elapsed: float) -> QueueOutcome:
    return QueueOutcome(await documents(config), elapsed)


def scenario_row(fault: str, outcome: QueueOutcome, server: RecordingServer, note: str = "") -> ScenarioRow:
    stats = server.stats()
    text = outcome.summary() + (f"; {note}" if note else "")
    return ScenarioRow(fault, len(outcome.documents), stats.requests, stats.status_count(429), text)


async def add_lessons(config: Settings, folder: Path, numbers: range, paragraphs: int = 3) -> list[str]:
    """Write and add one lesson file per number. Lessons with different numbers share no text."""
    folder.mkdir(parents=True, exist_ok=True)
    db = await open_database(config.resolved_db_path)
    ids: list[str] = []
    try:
        for number in numbers:
            path = folder / f"lesson-{number:05d}.txt"
            path.write_text(topic_text(number, paragraphs), encoding="utf-8")
            result = await add_file(db, path, storage_dir=config.resolved_storage_dir, user_id="tester")
            ids.append(result.document.id)
    finally:
        await db.close()
    return ids
