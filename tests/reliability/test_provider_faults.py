"""Provider faults against a queue of many documents: final statuses, requests sent, nothing embedded twice."""

from __future__ import annotations

import asyncio
import http.client
import json
import math
import threading
from pathlib import Path

import pytest

from docdesk.core.models import Status
from docdesk.core.settings import Settings
from tests.reliability.conftest import API_KEY
from tests.reliability.fault_runs import (
    add_lessons,
    drain,
    make_provider,
    outcome_of,
    scenario_row,
)
from tests.reliability.report import ReliabilityReport
from tests.reliability.servers import RecordingServer, TcpForwarder, free_port
from tests.support.fake_openai import Fault
from tests.worker_helpers import documents, fast_settings

# Faults that fail one request and may pass on the next, with the words the
# document's last_error must contain when every attempt fails.
TRANSIENT_FAULTS = [
    pytest.param(Fault.server_error(500), "HTTP 500", id="http-500"),
    pytest.param(Fault.server_error(502), "HTTP 502", id="http-502"),
    pytest.param(Fault.server_error(503), "HTTP 503", id="http-503"),
    pytest.param(Fault.reset(), "broke before the response was complete", id="connection-reset"),
    pytest.param(Fault.delay(1.5), "timed out", id="timeout"),
    pytest.param(Fault.malformed_json(), "malformed response", id="malformed-json"),
    pytest.param(Fault.wrong_count(), "wrong number of vectors", id="wrong-count"),
    pytest.param(Fault.wrong_dimension(), "768-dimensional vectors, expected 1536", id="wrong-dimension"),
]

FAULT_LABELS = {
    "http-500": "HTTP 500",
    "http-502": "HTTP 502",
    "http-503": "HTTP 503",
    "connection-reset": "connection reset mid-response",
    "timeout": "reply slower than the request timeout",
    "malformed-json": "malformed JSON",
    "wrong-count": "one vector fewer than inputs",
    "wrong-dimension": "vectors of half the dimension",
}


def probe_budget(outage: float, base: float, maximum: float) -> int:
    """Return how many probes fit in `outage` seconds when intervals start at `base` and double up to `maximum`."""
    probes, elapsed, interval = 0, 0.0, base
    while elapsed + interval <= outage:
        elapsed += interval
        probes += 1
        interval = min(interval * 2, maximum)
    return probes


async def _exhaust_quota_when_busy(server: RecordingServer, seconds: float) -> None:
    """Start a quota outage once some texts were embedded, so it hits documents in flight."""
    while not server.stats().embedded:
        await asyncio.sleep(0.005)
    server.exhaust_quota(seconds)


async def _warm_up(config: Settings, provider: object, folder: Path) -> None:
    """Embed one document first, so the provider learns the model's vector size from a good reply."""
    await add_lessons(config, folder, range(90_000, 90_001))
    await drain(config, provider)  # type: ignore[arg-type]


def _fault_label(request: pytest.FixtureRequest) -> str:
    return FAULT_LABELS[request.node.callspec.id]


async def test_quota_outage_resumes(
    settings: Settings, server: RecordingServer, tmp_path: Path, reliability_report: ReliabilityReport
) -> None:
    base, maximum, outage = 0.4, 1.6, 3.0
    config = fast_settings(settings, server, pause_base_seconds=base, pause_max_seconds=maximum)
    await add_lessons(config, tmp_path / "in", range(150))
    provider = make_provider(config)

    trigger = asyncio.create_task(_exhaust_quota_when_busy(server, outage))
    elapsed = await drain(config, provider)
    await trigger
    await provider.aclose()
    result = await outcome_of(config, elapsed)
    refused = server.arrivals(429)
    reliability_report.record(scenario_row(f"quota exhausted for {outage:g} s mid-run", result, server))

    # Requests already in flight when the outage starts are refused together. After them come only probes.
    burst = [t for t in refused if t - refused[0] < 0.25]
    probes = refused[len(burst):]
    gaps = [later - earlier for earlier, later in zip(probes, probes[1:], strict=False)]
    assert result.statuses() == {Status.READY: 150}
    assert result.max_retries() == 0
    assert len(burst) <= config.max_concurrent_requests
    assert len(probes) >= 2, "the outage must have refused some probes"
    assert len(probes) <= probe_budget(outage, base, maximum) + 1
    assert min(gaps) >= 0.9 * base
    assert server.stats().embedded_twice == []


@pytest.mark.parametrize(
    ("hint", "fault", "minimum_wait"),
    [
        ("Retry-After: 1", Fault.rate_limited(retry_after="1"), 1.0),
        ("retry-after-ms: 400", Fault.rate_limited(retry_after_ms=400), 0.4),
        # Without a hint the first wait is 2 s times a random factor from 0.5 to 1.
        ("no retry hint", Fault.rate_limited(), 1.0),
    ],
    ids=["retry-after", "retry-after-ms", "no-hint"],
)
async def test_rate_limit_waits_as_told(
    hint: str,
    fault: Fault,
    minimum_wait: float,
    settings: Settings,
    server: RecordingServer,
    tmp_path: Path,
    reliability_report: ReliabilityReport,
) -> None:
    # One request at a time, so the request after the 429 is the one the hold delayed.
    config = fast_settings(settings, server, max_concurrent_requests=1)
    await add_lessons(config, tmp_path / "in", range(60))
    server.inject(fault)
    provider = make_provider(config)

    elapsed = await drain(config, provider)
    await provider.aclose()
    result = await outcome_of(config, elapsed)
    [refused] = server.arrivals(429)
    following = server.first_arrival_after(refused)
    reliability_report.record(scenario_row(f"rate limit 429 with {hint}", result, server))

    assert result.statuses() == {Status.READY: 60}
    assert result.max_retries() == 0
    assert following is not None
    assert following - refused >= minimum_wait
    assert server.stats().embedded_twice == []


def _server_tokens(folder: Path) -> int:
    """Return the tokens the fake server counts for every lesson in `folder`: ceil(UTF-8 bytes / 4) each."""
    return sum(math.ceil(len(path.read_bytes()) / 4) for path in folder.glob("*.txt"))


class _RequestSpender:
    """Sender of tiny requests that empties the fake server's request bucket down to a given level."""

    def __init__(self, server: RecordingServer) -> None:
        self._port = server.port
        self._lock = threading.Lock()
        self.remaining = 10**9

    def _post_until(self, level: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self._port, timeout=10)
        body = json.dumps({"model": "m", "input": "x"})
        headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
        try:
            while True:
                with self._lock:
                    if self.remaining <= level:
                        return
                connection.request("POST", "/v1/embeddings", body, headers)
                response = connection.getresponse()
                response.read()
                with self._lock:
                    self.remaining = min(self.remaining, int(response.headers["x-ratelimit-remaining-requests"]))
        finally:
            connection.close()

    def spend(self, leave: int, threads: int = 8) -> None:
        """Spend the bucket down to `leave` requests.

        Several connections spend most of it, because each request takes tens of milliseconds
        and the bucket refills meanwhile. One connection spends the rest, so as not to overshoot.
        """
        workers = [threading.Thread(target=self._post_until, args=(leave + threads,)) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        self._post_until(leave)


@pytest.mark.parametrize("limit", ["requests", "tokens"])
async def test_server_limits_pace_worker(
    limit: str,
    settings: Settings,
    server: RecordingServer,
    tmp_path: Path,
    reliability_report: ReliabilityReport,
) -> None:
    config = fast_settings(settings, server)
    await add_lessons(config, tmp_path / "in", range(200))
    # The worker must wait for part of its quota. The request bucket is spent down to one
    # request, and then refills at 2 per second. The token bucket is demand / 1.07, which
    # leaves 7 % of the tokens to wait for at 1/60 of the bucket per second.
    if limit == "requests":
        per_minute = 120
        server.set_rate_limits(requests_per_minute=per_minute)
        await asyncio.to_thread(_RequestSpender(server).spend, leave=1)
        server.reset_stats()
    else:
        per_minute = int(_server_tokens(tmp_path / "in") / 1.07)
        server.set_rate_limits(tokens_per_minute=per_minute)
    provider = make_provider(config)

    elapsed = await drain(config, provider, timeout=45)
    await provider.aclose()
    result = await outcome_of(config, elapsed)
    stats = server.stats()
    reliability_report.record(
        scenario_row(f"server limit of {per_minute:,} {limit} per minute, below the demand", result, server)
    )

    assert result.statuses() == {Status.READY: 200}
    assert result.max_retries() == 0
    assert stats.status_count(429) <= max(1, stats.requests // 20)
    assert stats.embedded_twice == []


async def test_rejected_key_waits_for_new_key(
    settings: Settings, server: RecordingServer, tmp_path: Path, reliability_report: ReliabilityReport
) -> None:
    base, maximum, wrong_run = 0.3, 1.0, 2.0
    config = fast_settings(settings, server, pause_base_seconds=base, pause_max_seconds=maximum)
    await add_lessons(config, tmp_path / "in", range(100))
    wrong = make_provider(config, api_key="sk-wrong-key-0123456789")

    with pytest.raises(TimeoutError):
        await drain(config, wrong, timeout=wrong_run)
    await wrong.aclose()
    waiting = await documents(config)
    refused = server.stats().status_count(401)
    right = make_provider(config)
    elapsed = await drain(config, right)
    await right.aclose()
    result = await outcome_of(config, elapsed + wrong_run)
    reliability_report.record(
        scenario_row("key rejected (401), then a worker with the right key", result, server, f"{refused} 401 replies")
    )

    assert {d.status for d in waiting} == {Status.QUEUED}
    assert all(d.retry_count == 0 for d in waiting)
    assert any("rejected the API key" in (d.last_error or "") for d in waiting)
    assert refused <= config.max_concurrent_requests + probe_budget(wrong_run, base, maximum) + 1
    assert result.statuses() == {Status.READY: 100}
    assert result.max_retries() == 0
    assert server.stats().embedded_twice == []


async def test_refused_connection_waits_for_server(
    settings: Settings, server: RecordingServer, tmp_path: Path, reliability_report: ReliabilityReport
) -> None:
    port = free_port()
    config = fast_settings(
        settings, server, openai_base_url=f"http://127.0.0.1:{port}/v1", pause_base_seconds=0.3, pause_max_seconds=0.6
    )
    await add_lessons(config, tmp_path / "in", range(100))
    provider = make_provider(config)
    forwarder = TcpForwarder(port, server.port)

    run = asyncio.create_task(drain(config, provider))
    await asyncio.sleep(1.5)
    during = await documents(config)
    await forwarder.start()
    try:
        elapsed = await run
    finally:
        await forwarder.stop()
        await provider.aclose()
    result = await outcome_of(config, elapsed)
    reliability_report.record(
        scenario_row("connection refused for 1.5 s, then the server starts", result, server)
    )

    assert Status.ERROR not in {d.status for d in during}
    assert any("cannot connect" in (d.last_error or "") for d in during)
    assert result.statuses() == {Status.READY: 100}
    assert result.max_retries() == 0
    assert server.stats().embedded_twice == []


async def _clear_faults_later(server: RecordingServer, seconds: float) -> None:
    await asyncio.sleep(seconds)
    server.clear_faults()


@pytest.mark.parametrize(("fault", "reason"), TRANSIENT_FAULTS)
async def test_transient_fault_clears(
    fault: Fault,
    reason: str,
    request: pytest.FixtureRequest,
    settings: Settings,
    server: RecordingServer,
    tmp_path: Path,
    reliability_report: ReliabilityReport,
) -> None:
    config = fast_settings(settings, server, request_timeout_seconds=0.5, retry_base_seconds=0.05)
    provider = make_provider(config)
    await _warm_up(config, provider, tmp_path / "warm-up")
    server.reset_stats()
    await add_lessons(config, tmp_path / "in", range(100))
    # The first request always fails, because the worker may pack the whole queue into a few requests.
    server.inject(fault)
    server.set_fault_rate(fault, 0.4)

    clearing = asyncio.create_task(_clear_faults_later(server, 1.5))
    elapsed = await drain(config, provider)
    await clearing
    await provider.aclose()
    result = await outcome_of(config, elapsed)
    retried = sum(1 for d in result.documents if d.retry_count > 0)
    reliability_report.record(
        scenario_row(
            f"{_fault_label(request)}: first request, then 40 % for 1.5 s",
            result,
            server,
            f"documents retried: {retried}; 1 warm-up document",
        )
    )

    assert result.statuses() == {Status.READY: 101}
    assert retried > 0, "the fault must have failed some attempts"
    assert server.stats().embedded_twice == []


@pytest.mark.parametrize(("fault", "reason"), TRANSIENT_FAULTS)
async def test_persistent_fault_ends_in_error(
    fault: Fault,
    reason: str,
    request: pytest.FixtureRequest,
    settings: Settings,
    server: RecordingServer,
    tmp_path: Path,
    reliability_report: ReliabilityReport,
) -> None:
    base, retries = 0.1, 2
    config = fast_settings(
        settings, server, request_timeout_seconds=0.5, retry_base_seconds=base, max_retries=retries
    )
    provider = make_provider(config)
    await _warm_up(config, provider, tmp_path / "warm-up")
    server.reset_stats()
    ids = await add_lessons(config, tmp_path / "in", range(6))
    server.set_fault_rate(fault, 1.0)

    elapsed = await drain(config, provider)
    await provider.aclose()
    result = await outcome_of(config, elapsed)
    failed = [d for d in result.documents if d.id in ids]
    reliability_report.record(
        scenario_row(
            f"{_fault_label(request)} in every request", result, server, "the ready one is the warm-up document"
        )
    )

    # Two retries wait about base and 2 * base, each spread by up to 10 %.
    assert elapsed >= 0.9 * (base + 2 * base)
    for document in failed:
        assert document.status is Status.ERROR
        assert document.retry_count == retries
        assert reason in (document.last_error or "")
        assert f"gave up after {retries} retries" in (document.last_error or "")


async def test_oversized_input_fails_alone(
    settings: Settings, server: RecordingServer, tmp_path: Path, reliability_report: ReliabilityReport
) -> None:
    server.max_input_tokens = 60
    config = fast_settings(settings, server)
    ids = await add_lessons(config, tmp_path / "in", range(80), paragraphs=1)
    [oversized] = await add_lessons(config, tmp_path / "big", range(80, 81), paragraphs=12)
    provider = make_provider(config)

    elapsed = await drain(config, provider)
    await provider.aclose()
    result = await outcome_of(config, elapsed)
    by_id = {d.id: d for d in result.documents}
    rejected = server.stats().status_count(400)
    reliability_report.record(
        scenario_row("400 for one oversized input", result, server, f"{rejected} 400 replies while bisecting")
    )

    # Bisecting a batch of n texts down to its one rejected text gets at most log2(n) + 1 replies of 400.
    bound = math.ceil(math.log2(len(ids) + 1)) + 1
    assert by_id[oversized].status is Status.ERROR
    assert by_id[oversized].retry_count == 0
    assert "rejected the input" in (by_id[oversized].last_error or "")
    assert all(by_id[doc_id].status is Status.READY for doc_id in ids)
    assert 0 < rejected <= bound
    assert server.stats().embedded_twice == []
