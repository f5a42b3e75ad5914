"""The retry worker end to end: real documents, the real openai SDK, the fake server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from docdesk.core.intake.add import add_file
from docdesk.core.models import Status
from docdesk.core.providers.openai_provider import OpenAIProvider
from docdesk.core.settings import Settings
from docdesk.core.store import provider_state, queue
from docdesk.core.store.connection import open_database
from docdesk.core.worker.worker import Worker
from tests.support.fake_openai import FakeOpenAIServer, Fault
from tests.worker_helpers import add_texts, documents, fast_settings, run_worker


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(api_key="test-key") as running:
        yield running


async def test_all_documents_become_ready(settings: Settings, server: FakeOpenAIServer, tmp_path: Path) -> None:
    config = fast_settings(settings, server)
    await add_texts(config, tmp_path / "in", 30)
    await run_worker(config)
    finished = await documents(config)
    stats = server.stats()
    assert {d.status for d in finished} == {Status.READY}
    assert all(d.chunk_count > 0 for d in finished)
    assert stats.embedded_twice == []
    assert stats.requests < len(finished), "chunks of several documents must share requests"


async def test_transient_errors_are_retried(settings: Settings, server: FakeOpenAIServer, tmp_path: Path) -> None:
    config = fast_settings(settings, server)
    await add_texts(config, tmp_path / "in", 5)
    server.inject(Fault.server_error(503), Fault.server_error(502), Fault.malformed_json())
    await run_worker(config)
    finished = await documents(config)
    assert {d.status for d in finished} == {Status.READY}
    assert max(d.retry_count for d in finished) >= 1
    assert server.stats().embedded_twice == []


async def test_persistent_failure_ends_in_error(settings: Settings, server: FakeOpenAIServer, tmp_path: Path) -> None:
    config = fast_settings(settings, server, max_retries=2)
    await add_texts(config, tmp_path / "in", 3)
    server.set_fault_rate(Fault.server_error(500), 1.0)
    await run_worker(config)
    finished = await documents(config)
    assert {d.status for d in finished} == {Status.ERROR}
    assert all(d.retry_count == 2 for d in finished)
    assert all("gave up after 2 retries" in (d.last_error or "") for d in finished)


async def test_quota_outage_pauses_then_resumes(settings: Settings, server: FakeOpenAIServer, tmp_path: Path) -> None:
    config = fast_settings(settings, server, pause_base_seconds=0.3, pause_max_seconds=0.3)
    await add_texts(config, tmp_path / "in", 20)
    server.exhaust_quota()

    async def restore_two_seconds_after_first_refusal() -> None:
        while server.stats().status_count(429) == 0:
            await asyncio.sleep(0.02)
        await asyncio.sleep(2.0)
        server.restore_quota()

    restorer = asyncio.create_task(restore_two_seconds_after_first_refusal())
    await run_worker(config)
    await restorer
    finished = await documents(config)
    stats = server.stats()
    assert {d.status for d in finished} == {Status.READY}
    assert all(d.retry_count == 0 for d in finished)
    # 2 s of outage at one probe per 0.3 s allows about 8 refused requests; a storm sends far more.
    assert 2 <= stats.status_count(429) <= 9
    assert stats.embedded_twice == []


async def test_rejected_key_waits_for_fix(settings: Settings, server: FakeOpenAIServer, tmp_path: Path) -> None:
    config = fast_settings(settings, server)
    await add_texts(config, tmp_path / "in", 4)
    with pytest.raises(TimeoutError):
        await run_worker(config, timeout=1.5, api_key="sk-wrong-key-123456")
    waiting = await documents(config)
    assert {d.status for d in waiting} <= {Status.QUEUED, Status.PROCESSING}
    assert any("key rejected" in (d.last_error or "") for d in waiting)
    assert all("sk-wrong-key-123456" not in (d.last_error or "") for d in waiting)
    await run_worker(config)
    assert {d.status for d in await documents(config)} == {Status.READY}


async def test_invalid_input_fails_one_document(settings: Settings, server: FakeOpenAIServer, tmp_path: Path) -> None:
    server.max_input_tokens = 60
    config = fast_settings(settings, server)
    ids = await add_texts(config, tmp_path / "in", 4, paragraphs=1)
    big = tmp_path / "in" / "big.txt"
    big.write_text("enormous " * 400, encoding="utf-8")
    db = await open_database(config.resolved_db_path)
    bad = (await add_file(db, big, storage_dir=config.resolved_storage_dir, user_id="tester")).document.id
    await db.close()
    await run_worker(config)
    by_id = {d.id: d for d in await documents(config)}
    assert by_id[bad].status is Status.ERROR
    assert by_id[bad].retry_count == 0
    assert "rejected" in (by_id[bad].last_error or "")
    assert all(by_id[doc_id].status is Status.READY for doc_id in ids)


async def test_rate_limit_waits_as_told(settings: Settings, server: FakeOpenAIServer, tmp_path: Path) -> None:
    config = fast_settings(settings, server)
    await add_texts(config, tmp_path / "in", 6)
    server.inject(Fault.rate_limited(retry_after_ms=200), Fault.rate_limited(retry_after="1"))
    await run_worker(config)
    finished = await documents(config)
    stats = server.stats()
    assert {d.status for d in finished} == {Status.READY}
    assert all(d.retry_count == 0 for d in finished)
    assert stats.status_count(429) == 2
    gap = stats.timestamps[2] - stats.timestamps[1]
    assert gap >= 0.9, "the worker must wait the Retry-After seconds"


async def test_crashed_claim_is_recovered(settings: Settings, server: FakeOpenAIServer, tmp_path: Path) -> None:
    config = fast_settings(settings, server)
    ids = await add_texts(config, tmp_path / "in", 2)
    db = await open_database(config.resolved_db_path)
    await queue.claim_next(db, "dead-worker", lease_ms=-1)
    await db.close()
    await run_worker(config)
    finished = await documents(config)
    db = await open_database(config.resolved_db_path)
    async with db.execute("SELECT doc_id, COUNT(*), COUNT(DISTINCT ordinal) FROM doc_chunks GROUP BY doc_id") as cursor:
        counts = await cursor.fetchall()
    await db.close()
    assert {d.status for d in finished} == {Status.READY}
    assert sorted(row[0] for row in counts) == sorted(ids)
    assert all(row[1] == row[2] for row in counts)


async def test_stop_returns_document_to_queue(settings: Settings, server: FakeOpenAIServer, tmp_path: Path) -> None:
    config = fast_settings(settings, server)
    await add_texts(config, tmp_path / "in", 1)
    server.inject(Fault.delay(3.0))
    provider = OpenAIProvider(api_key="test-key", base_url=server.base_url, timeout_seconds=10)
    worker = Worker(config, provider)
    task = asyncio.create_task(worker.run())
    for _ in range(100):
        await asyncio.sleep(0.05)
        if server.stats().requests:
            break
    started = asyncio.get_running_loop().time()
    worker.request_stop()
    await asyncio.wait_for(task, 5)
    elapsed = asyncio.get_running_loop().time() - started
    await provider.aclose()
    [document] = await documents(config)
    assert elapsed < 2.0
    assert document.status is Status.QUEUED
    assert document.retry_count == 0


async def test_success_clears_provider_pause(settings: Settings, server: FakeOpenAIServer, tmp_path: Path) -> None:
    config = fast_settings(settings, server)
    await add_texts(config, tmp_path / "in", 2)
    server.exhaust_quota()

    async def restore_after_first_refusal() -> None:
        while server.stats().status_count(429) == 0:
            await asyncio.sleep(0.02)
        server.restore_quota()

    restorer = asyncio.create_task(restore_after_first_refusal())
    await run_worker(config)
    await restorer
    db = await open_database(config.resolved_db_path)
    states = await provider_state.read_all_states(db)
    await db.close()
    assert len(states) == 1
    assert not states[0].paused
    assert states[0].updated_at > 0
