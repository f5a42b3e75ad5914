"""Tests of OpenAIProvider: the real `openai` SDK against the fake server in tests/support."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import numpy as np
import pytest

from docdesk.core.chunking.tokens import estimate_tokens
from docdesk.core.providers.errors import (
    InvalidInputError,
    PauseReason,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
    TransientProviderError,
)
from docdesk.core.providers.openai_provider import OpenAIProvider
from docdesk.core.providers.rate_limit_headers import (
    RESET_WAIT_CAP_SECONDS,
    RateLimitInfo,
    parse_duration,
    retry_after_seconds,
)
from tests.support.fake_openai import FakeOpenAIServer, Fault, embed_text

KEY = "sk-test-Zq81SECRETkey"
DIMENSIONS = 64


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(api_key=KEY, dimensions=DIMENSIONS) as fake:
        yield fake


@pytest.fixture
async def provider(server: FakeOpenAIServer) -> AsyncIterator[OpenAIProvider]:
    client = OpenAIProvider(KEY, base_url=server.base_url, timeout_seconds=5.0)
    yield client
    await client.aclose()


async def failure_of(provider: OpenAIProvider, texts: list[str] | None = None) -> ProviderError:
    """Run one embed call that must fail and return its error."""
    with pytest.raises(ProviderError) as caught:
        await provider.embed(texts or ["some text"])
    return caught.value


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# Success


async def test_embed_shape(provider: OpenAIProvider) -> None:
    vectors = await provider.embed(["alpha", "beta", "gamma"])
    assert vectors.shape == (3, DIMENSIONS)
    assert vectors.dtype == np.float32


async def test_embed_values(provider: OpenAIProvider) -> None:
    vectors = await provider.embed(["cells divide", "rivers flow"])
    assert np.allclose(vectors[0], embed_text("cells divide", DIMENSIONS))
    assert np.allclose(vectors[1], embed_text("rivers flow", DIMENSIONS))


async def test_embed_sorts_by_index(provider: OpenAIProvider, server: FakeOpenAIServer) -> None:
    server.reverse_order = True
    texts = ["first text", "second text", "third text"]
    vectors = await provider.embed(texts)
    for row, text in enumerate(texts):
        assert np.allclose(vectors[row], embed_text(text, DIMENSIONS)), text


async def test_embed_one_request(provider: OpenAIProvider, server: FakeOpenAIServer) -> None:
    await provider.embed([f"text {number}" for number in range(50)])
    assert server.stats().requests == 1


async def test_embed_empty_list(provider: OpenAIProvider, server: FakeOpenAIServer) -> None:
    vectors = await provider.embed([])
    assert vectors.shape[0] == 0
    assert server.stats().requests == 0


async def test_dimension_learned(provider: OpenAIProvider) -> None:
    assert provider.dimension is None
    await provider.embed(["a"])
    assert provider.dimension == DIMENSIONS


async def test_requested_dimensions(server: FakeOpenAIServer) -> None:
    provider = OpenAIProvider(KEY, base_url=server.base_url, dimensions=16)
    vectors = await provider.embed(["alpha"])
    await provider.aclose()
    assert vectors.shape == (1, 16)
    assert provider.model == "text-embedding-3-small@16"


async def test_properties(provider: OpenAIProvider) -> None:
    assert provider.name == "openai"
    assert provider.model == "text-embedding-3-small"
    assert provider.max_input_tokens == 8191
    assert provider.max_batch_inputs == 2048
    assert provider.max_batch_tokens == 300_000


async def test_count_tokens_estimate(provider: OpenAIProvider) -> None:
    text = "Photosynthesis happens in chloroplasts. Überall."
    assert provider.count_tokens(text) == estimate_tokens(text)


async def test_no_sdk_retries(provider: OpenAIProvider, server: FakeOpenAIServer) -> None:
    server.inject(Fault.server_error(500))
    await failure_of(provider)
    assert server.stats().requests == 1


# Fault mapping


async def test_quota_fault(provider: OpenAIProvider, server: FakeOpenAIServer) -> None:
    server.inject(Fault.quota())
    error = await failure_of(provider)
    assert isinstance(error, ProviderUnavailableError)
    assert error.reason is PauseReason.QUOTA


async def test_quota_mode(provider: OpenAIProvider, server: FakeOpenAIServer) -> None:
    server.exhaust_quota()
    error = await failure_of(provider)
    assert isinstance(error, ProviderUnavailableError)
    assert error.reason is PauseReason.QUOTA


async def test_rate_limited_fault(provider: OpenAIProvider, server: FakeOpenAIServer) -> None:
    server.inject(Fault.rate_limited(retry_after=7))
    error = await failure_of(provider)
    assert isinstance(error, RateLimitedError)
    assert error.retry_after == 7.0


async def test_retry_after_ms_wins(provider: OpenAIProvider, server: FakeOpenAIServer) -> None:
    server.inject(Fault.rate_limited(retry_after=7, retry_after_ms=1500))
    error = await failure_of(provider)
    assert isinstance(error, RateLimitedError)
    assert error.retry_after == 1.5


async def test_retry_after_http_date(provider: OpenAIProvider, server: FakeOpenAIServer) -> None:
    later = datetime.now(UTC) + timedelta(seconds=30)
    server.inject(Fault.rate_limited(retry_after=format_datetime(later, usegmt=True)))
    error = await failure_of(provider)
    assert isinstance(error, RateLimitedError)
    assert error.retry_after is not None
    assert 25 <= error.retry_after <= 30


async def test_retry_after_missing(provider: OpenAIProvider, server: FakeOpenAIServer) -> None:
    server.inject(Fault.rate_limited())
    error = await failure_of(provider)
    assert isinstance(error, RateLimitedError)
    assert error.retry_after is None


async def test_server_rate_limit_uses_reset_headers(server: FakeOpenAIServer) -> None:
    server.set_rate_limits(requests_per_minute=1)
    provider = OpenAIProvider(KEY, base_url=server.base_url)
    await provider.embed(["first"])
    error = await failure_of(provider)
    await provider.aclose()
    assert isinstance(error, RateLimitedError)
    # The bucket refills in 60 s, but a reset-derived wait is capped; the limiter paces after it.
    assert error.retry_after == RESET_WAIT_CAP_SECONDS


@pytest.mark.parametrize("fault", [Fault.unauthorized(), Fault.forbidden()])
async def test_auth_faults(provider: OpenAIProvider, server: FakeOpenAIServer, fault: Fault) -> None:
    server.inject(fault)
    error = await failure_of(provider)
    assert isinstance(error, ProviderUnavailableError)
    assert error.reason is PauseReason.AUTH


async def test_wrong_key(server: FakeOpenAIServer) -> None:
    provider = OpenAIProvider("sk-wrong-Zq81OTHERkey", base_url=server.base_url)
    error = await failure_of(provider)
    await provider.aclose()
    assert isinstance(error, ProviderUnavailableError)
    assert error.reason is PauseReason.AUTH


async def test_empty_key_not_configured(server: FakeOpenAIServer) -> None:
    provider = OpenAIProvider("", base_url=server.base_url)
    error = await failure_of(provider)
    await provider.aclose()
    assert isinstance(error, ProviderUnavailableError)
    assert error.reason is PauseReason.NOT_CONFIGURED
    assert server.stats().requests == 0


async def test_connection_refused() -> None:
    provider = OpenAIProvider(KEY, base_url=f"http://127.0.0.1:{closed_port()}/v1")
    error = await failure_of(provider)
    await provider.aclose()
    assert isinstance(error, ProviderUnavailableError)
    assert error.reason is PauseReason.UNREACHABLE
    assert "cannot connect" in str(error)


async def test_wrong_path_not_configured(server: FakeOpenAIServer) -> None:
    provider = OpenAIProvider(KEY, base_url=server.base_url + "/nowhere")
    error = await failure_of(provider)
    await provider.aclose()
    assert isinstance(error, ProviderUnavailableError)
    assert error.reason is PauseReason.NOT_CONFIGURED


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_transient(provider: OpenAIProvider, server: FakeOpenAIServer, status: int) -> None:
    server.inject(Fault.server_error(status))
    error = await failure_of(provider)
    assert isinstance(error, TransientProviderError)
    assert f"HTTP {status}" in str(error)


async def test_timeout_transient(server: FakeOpenAIServer) -> None:
    provider = OpenAIProvider(KEY, base_url=server.base_url, timeout_seconds=0.3)
    server.inject(Fault.delay(2.0))
    error = await failure_of(provider)
    await provider.aclose()
    assert isinstance(error, TransientProviderError)
    assert "timed out after 0.3 s" in str(error)


async def test_reset_transient(provider: OpenAIProvider, server: FakeOpenAIServer) -> None:
    server.inject(Fault.reset())
    error = await failure_of(provider)
    assert isinstance(error, TransientProviderError)


async def test_malformed_json_transient(provider: OpenAIProvider, server: FakeOpenAIServer) -> None:
    server.inject(Fault.malformed_json())
    error = await failure_of(provider)
    assert isinstance(error, TransientProviderError)
    assert "malformed" in str(error)


async def test_wrong_count_transient(provider: OpenAIProvider, server: FakeOpenAIServer) -> None:
    server.inject(Fault.wrong_count())
    error = await failure_of(provider, ["a", "b", "c"])
    assert isinstance(error, TransientProviderError)
    assert "2 for 3 inputs" in str(error)


async def test_wrong_dimension_transient(provider: OpenAIProvider, server: FakeOpenAIServer) -> None:
    await provider.embed(["learn the dimension"])
    server.inject(Fault.wrong_dimension())
    error = await failure_of(provider)
    assert isinstance(error, TransientProviderError)
    assert f"expected {DIMENSIONS}" in str(error)


async def test_faulty_first_reply_relearned(provider: OpenAIProvider, server: FakeOpenAIServer) -> None:
    server.inject(Fault.wrong_dimension())
    await provider.embed(["first reply has half the dimension"])
    error = await failure_of(provider)
    vectors = await provider.embed(["third reply is correct again"])
    assert isinstance(error, TransientProviderError)
    assert vectors.shape == (1, DIMENSIONS)
    assert provider.dimension == DIMENSIONS


async def test_wrong_requested_dimension(server: FakeOpenAIServer) -> None:
    provider = OpenAIProvider(KEY, base_url=server.base_url, dimensions=32)
    server.inject(Fault.wrong_dimension())
    error = await failure_of(provider)
    await provider.aclose()
    assert isinstance(error, TransientProviderError)


async def test_empty_string_invalid(provider: OpenAIProvider) -> None:
    error = await failure_of(provider, ["fine", ""])
    assert isinstance(error, InvalidInputError)


async def test_input_too_long_invalid() -> None:
    with FakeOpenAIServer(api_key=KEY, dimensions=8, max_input_tokens=5) as server:
        provider = OpenAIProvider(KEY, base_url=server.base_url)
        error = await failure_of(provider, ["x" * 100])
        await provider.aclose()
    assert isinstance(error, InvalidInputError)
    assert "maximum context length" in str(error)


async def test_recovers_after_fault(provider: OpenAIProvider, server: FakeOpenAIServer) -> None:
    server.inject(Fault.server_error(503))
    await failure_of(provider)
    vectors = await provider.embed(["after the fault"])
    assert vectors.shape == (1, DIMENSIONS)


# Messages


ALL_FAULTS = [
    Fault.quota(),
    Fault.rate_limited(retry_after=1),
    Fault.unauthorized(),
    Fault.forbidden(),
    Fault.server_error(502),
    Fault.reset(),
    Fault.malformed_json(),
    Fault.wrong_count(),
    Fault.http_error(400, f"your key {KEY} was\nechoed back"),
]


@pytest.mark.parametrize("fault", ALL_FAULTS, ids=lambda fault: f"{fault.kind}-{fault.status}")
async def test_message_one_line_without_key(provider: OpenAIProvider, server: FakeOpenAIServer, fault: Fault) -> None:
    server.inject(fault)
    error = await failure_of(provider, ["a", "b"])
    message = str(error)
    assert KEY not in message
    assert "\n" not in message
    assert message


async def test_wrong_key_redacted(server: FakeOpenAIServer) -> None:
    # The fake server repeats the rejected key in its 401 message.
    wrong_key = "sk-wrong-Zq81OTHERkey"
    provider = OpenAIProvider(wrong_key, base_url=server.base_url)
    error = await failure_of(provider)
    await provider.aclose()
    assert wrong_key not in str(error)
    assert "[redacted]" in str(error)


async def test_key_not_in_cause(provider: OpenAIProvider, server: FakeOpenAIServer) -> None:
    server.inject(Fault.http_error(500, f"server echoed {KEY}"))
    error = await failure_of(provider)
    assert error.__cause__ is None or KEY not in str(error.__cause__)


# Rate-limit headers


async def test_rate_limit_info_none_without_headers(provider: OpenAIProvider) -> None:
    await provider.embed(["a"])
    assert provider.rate_limit_info is None


async def test_rate_limit_info_after_success(server: FakeOpenAIServer) -> None:
    server.set_rate_limits(requests_per_minute=100, tokens_per_minute=10_000)
    provider = OpenAIProvider(KEY, base_url=server.base_url)
    await provider.embed(["abcdefgh"])
    await provider.aclose()
    info = provider.rate_limit_info
    assert info is not None
    assert info.limit_requests == 100
    assert info.limit_tokens == 10_000
    assert info.remaining_requests == 99
    assert info.remaining_tokens == 9_998
    assert info.reset_requests is not None
    assert 0 < info.reset_requests <= 0.6


async def test_rate_limit_info_after_error(server: FakeOpenAIServer) -> None:
    server.set_rate_limits(requests_per_minute=100)
    provider = OpenAIProvider(KEY, base_url=server.base_url)
    server.inject(Fault.server_error(500))
    await failure_of(provider)
    await provider.aclose()
    assert provider.rate_limit_info is not None


# Header parsing


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1s", 1.0),
        ("6m0s", 360.0),
        ("20ms", 0.02),
        ("1h2m3.5s", 3723.5),
        ("0.5", 0.5),
        ("150us", 0.00015),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "soon", "1x", "s", "-3", "1s2", "5m junk"])
def test_parse_duration_invalid(text: str) -> None:
    assert parse_duration(text) is None


def test_retry_after_reset_headers_larger() -> None:
    headers = {"x-ratelimit-reset-requests": "1s", "x-ratelimit-reset-tokens": "6s"}
    assert retry_after_seconds(headers) == 6.0


def test_retry_after_reset_capped() -> None:
    headers = {"x-ratelimit-reset-tokens": "6m0s"}
    assert retry_after_seconds(headers) == RESET_WAIT_CAP_SECONDS


def test_retry_after_uses_exhausted_limit() -> None:
    headers = {
        "x-ratelimit-reset-requests": "8s",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-tokens": "2s",
        "x-ratelimit-remaining-tokens": "5000",
    }
    assert retry_after_seconds(headers) == 8.0


def test_retry_after_one_reset_header() -> None:
    assert retry_after_seconds({"x-ratelimit-reset-tokens": "20ms"}) == pytest.approx(0.02)


def test_retry_after_past_date_zero() -> None:
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    headers = {"retry-after": "Wed, 01 Jan 2025 11:59:00 GMT"}
    assert retry_after_seconds(headers, now) == 0.0


def test_retry_after_date() -> None:
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    headers = {"retry-after": "Wed, 01 Jan 2025 12:00:42 GMT"}
    assert retry_after_seconds(headers, now) == 42.0


def test_retry_after_garbage_falls_through() -> None:
    headers = {"retry-after": "later", "x-ratelimit-reset-requests": "2s"}
    assert retry_after_seconds(headers) == 2.0


def test_rate_limit_info_unreadable_values() -> None:
    info = RateLimitInfo.from_headers({"x-ratelimit-limit-requests": "many", "x-ratelimit-reset-tokens": "1m"}, 5.0)
    assert info is not None
    assert info.limit_requests is None
    assert info.reset_tokens == 60.0
    assert info.received_at == 5.0


async def test_concurrent_embeds_with_faults(server: FakeOpenAIServer) -> None:
    server.set_fault_rate(Fault.server_error(503), 0.3)
    provider = OpenAIProvider(KEY, base_url=server.base_url)
    batches = [[f"batch {number} text {row}" for row in range(5)] for number in range(20)]
    results = await asyncio.gather(*(provider.embed(batch) for batch in batches), return_exceptions=True)
    await provider.aclose()
    succeeded = [result for result in results if isinstance(result, np.ndarray)]
    failed = [result for result in results if isinstance(result, TransientProviderError)]
    assert len(succeeded) + len(failed) == len(batches)
    assert failed
    assert server.stats().status_count(200) == len(succeeded)
    assert server.stats().embedded_twice == []
