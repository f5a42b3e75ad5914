"""Pieces of the app that need no screen: formatting, throughput, provider state, event coalescing."""

from __future__ import annotations

from dataclasses import replace

import pytest
from textual.message import Message

from docdesk.core.models import Document, Stage, Status
from docdesk.core.store.provider_state import ProviderState
from docdesk.core.store.workers import WorkerInfo
from docdesk.core.worker.events import DocumentChanged, ProviderStateChanged, WorkerStopped
from docdesk.core.worker.retry_policy import JITTER_FRACTION, document_retry_delay
from docdesk.core.worker.retry_schedule import nominal_retry_delays
from docdesk.tui import formatting
from docdesk.tui.event_bridge import EventBridge
from docdesk.tui.filtering import DocumentFilter
from docdesk.tui.messages import WorkerActivity, WorkerFinished
from docdesk.tui.provider_status import ProviderMode, derive_status
from docdesk.tui.throughput import ThroughputMeter, remaining_chunks, seconds_left

NOW = 1_000_000_000


def document(**changes: object) -> Document:
    base = Document(
        id="d1", user_id="u", filename="cells.pdf", storage_path="/s/cells.pdf", title="Cells",
        subject="Biology", grade="7", mime="application/pdf", size=10, created_at=1, status=Status.QUEUED,
        retry_count=0, next_retry_at=None, last_error=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (45, "45s"), (60, "1m"), (192, "3m 12s"), (3600, "1h"), (3900, "1h 05m"), (90000, "1d 1h")],
)
def test_duration_formats(seconds: float, text: str) -> None:
    assert formatting.duration(seconds) == text


def test_countdown_passed_is_due() -> None:
    assert formatting.countdown(NOW - 1, NOW) == "due now"


def test_progress_shows_chunks_while_embedding() -> None:
    busy = document(status=Status.PROCESSING, stage=Stage.EMBEDDING.value, progress_done=5, progress_total=10)
    assert formatting.progress_text(busy).endswith("5/10")


def test_progress_shows_stage_while_extracting() -> None:
    busy = document(status=Status.PROCESSING, stage=Stage.EXTRACTING.value)
    assert formatting.progress_text(busy) == "extracting…"


def test_not_ready_reason_gives_countdown() -> None:
    waiting = document(next_retry_at=NOW + 125_000)
    assert formatting.not_ready_reason(waiting, NOW) == "not ready: queued, retry in 2m 05s"


def test_exhausted_error_offers_retry() -> None:
    failed = document(status=Status.ERROR, retry_count=8, last_error="timed out (gave up after 8 retries)")
    assert formatting.not_ready_reason(failed, NOW).endswith("press r to retry")


def test_permanent_error_offers_no_retry() -> None:
    failed = document(status=Status.ERROR, retry_count=0, last_error="password-protected PDF")
    reason = formatting.not_ready_reason(failed, NOW)
    assert reason == "not ready: failed (password-protected PDF)"


def test_filter_matches_text_in_filename() -> None:
    assert DocumentFilter(text="CELLS.P").matches(document())


def test_filter_rejects_other_subject() -> None:
    assert not DocumentFilter(subject="History").matches(document())


def test_nominal_delays_match_policy() -> None:
    delays = nominal_retry_delays(2, 60.0, 5)
    assert delays == [240.0, 480.0, 960.0]
    for attempt, nominal in zip(range(3, 6), delays, strict=True):
        real = document_retry_delay(attempt, 60.0)
        assert abs(real - nominal) <= nominal * JITTER_FRACTION + 1e-9


def worker(worker_id: str, chunks: int, key: str = "openai:m") -> WorkerInfo:
    return WorkerInfo(worker_id, 1, "host", key, 0, NOW, chunks)


def test_throughput_counts_increases_only() -> None:
    meter = ThroughputMeter()
    meter.update([worker("a", 100)], NOW)
    meter.update([worker("a", 130), worker("b", 5)], NOW + 30_000)
    # Worker a restarted under a new id; its counter starts again and must not count as negative.
    meter.update([worker("a2", 10), worker("b", 25)], NOW + 60_000)
    assert meter.chunks_per_minute(NOW + 60_000) == pytest.approx(30 + 20)


def test_throughput_unknown_at_start() -> None:
    meter = ThroughputMeter()
    meter.update([worker("a", 100)], NOW)
    assert meter.chunks_per_minute(NOW + 1_000) is None


def test_remaining_chunks_uses_ready_average() -> None:
    documents = [
        document(id="r1", status=Status.READY, chunk_count=10),
        document(id="r2", status=Status.READY, chunk_count=30),
        document(id="p", status=Status.PROCESSING, stage="embedding", progress_done=5, progress_total=12),
        document(id="q1"),
        document(id="q2"),
    ]
    assert remaining_chunks(documents) == 7 + 2 * 20


def test_remaining_chunks_unknown_without_ready() -> None:
    assert remaining_chunks([document()]) is None


def test_seconds_left_needs_rate() -> None:
    assert seconds_left(100, None) is None
    assert seconds_left(100, 50.0) == 120.0


def state(key: str, *, paused: bool = False, limited_until: int | None = None) -> ProviderState:
    return ProviderState(key, "quota exhausted" if paused else None, "msg" if paused else None, None,
                         NOW + 25_000 if paused else None, None, limited_until, NOW)


def test_status_ignores_pause_of_unused_provider() -> None:
    status = derive_status([state("local:old", paused=True)], [worker("a", 0)], now_ms=NOW, unfinished=1,
                           own_provider_key=None, own_problem=None, own_starting=False)
    assert status.mode is ProviderMode.WORKING


def test_status_shows_pause_of_provider_in_use() -> None:
    status = derive_status([state("openai:m", paused=True)], [worker("a", 0)], now_ms=NOW, unfinished=1,
                           own_provider_key=None, own_problem=None, own_starting=False)
    assert status.mode is ProviderMode.PAUSED
    assert status.resumes_at == NOW + 25_000


def test_status_shows_rate_limit() -> None:
    status = derive_status([state("openai:m", limited_until=NOW + 5_000)], [worker("a", 0)], now_ms=NOW,
                           unfinished=1, own_provider_key=None, own_problem=None, own_starting=False)
    assert status.mode is ProviderMode.RATE_LIMITED


def test_status_reports_missing_provider() -> None:
    status = derive_status([], [], now_ms=NOW, unfinished=0, own_provider_key=None,
                           own_problem="set OPENAI_API_KEY", own_starting=False)
    assert status.mode is ProviderMode.PAUSED
    assert status.reason == "no provider configured"


def test_bridge_posts_once_per_burst() -> None:
    posted: list[Message] = []
    bridge = EventBridge(posted.append)
    for index in range(50):
        bridge(DocumentChanged(f"d{index}"))
    bridge(ProviderStateChanged())
    assert len(posted) == 1
    assert isinstance(posted[0], WorkerActivity)
    pending = bridge.drain()
    assert len(pending.doc_ids) == 50
    assert pending.provider_changed
    bridge(DocumentChanged("again"))
    assert len(posted) == 2


def test_bridge_forwards_worker_stop() -> None:
    posted: list[Message] = []
    EventBridge(posted.append)(WorkerStopped("boom"))
    assert isinstance(posted[0], WorkerFinished)
    assert posted[0].error == "boom"
