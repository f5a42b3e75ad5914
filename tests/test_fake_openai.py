"""Tests of the fake OpenAI embeddings server in tests/support, over plain HTTP."""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from tests.support.fake_openai import (
    FakeOpenAIServer,
    Fault,
    embed_text,
    format_duration,
    words_of,
)

KEY = "test-key"


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(api_key=KEY, dimensions=256) as fake:
        yield fake


def post(
    server: FakeOpenAIServer,
    payload: dict[str, Any],
    *,
    key: str | None = KEY,
    timeout: float = 5.0,
) -> tuple[int, Message, Any]:
    """POST to /v1/embeddings and return status, headers and the decoded JSON body."""
    request = urllib.request.Request(
        server.base_url + "/embeddings",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    if key is not None:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read())


def cosine(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float:
    return float(np.dot(a, b))


# Bag-of-words embeddings


def test_embedding_unit_length() -> None:
    norm = float(np.linalg.norm(embed_text("Cells divide by mitosis.", 128)))
    assert norm == pytest.approx(1.0, abs=1e-6)


def test_embedding_deterministic() -> None:
    first = embed_text("The French Revolution began in 1789.")
    second = embed_text("The French Revolution began in 1789.")
    assert np.array_equal(first, second)


def test_embedding_dimension_configurable() -> None:
    assert embed_text("anything", 64).shape == (64,)


def test_embedding_same_topic_closer() -> None:
    query = embed_text("photosynthesis in plant cells uses light energy")
    on_topic = embed_text("Plants capture light energy in photosynthesis inside their cells.")
    off_topic = embed_text("The French Revolution ended the monarchy in 1792.")
    assert cosine(query, on_topic) > cosine(query, off_topic) + 0.3


def test_embedding_unrelated_near_zero() -> None:
    a = embed_text("quadratic equations and the discriminant")
    b = embed_text("medieval castles had moats and drawbridges")
    assert abs(cosine(a, b)) < 0.2


def test_embedding_case_insensitive() -> None:
    assert np.array_equal(embed_text("Mitosis Cells"), embed_text("mitosis cells"))


def test_embedding_punctuation_only() -> None:
    first = embed_text("!!!", 64)
    second = embed_text("???", 64)
    assert float(np.linalg.norm(first)) == pytest.approx(1.0, abs=1e-6)
    assert not np.array_equal(first, second)


def test_words_drop_stop_words_and_plurals() -> None:
    assert words_of("The cells of the plants") == ["cell", "plant"]


def test_format_duration_examples() -> None:
    assert format_duration(0.02) == "20ms"
    assert format_duration(1.0) == "1s"
    assert format_duration(360.0) == "6m0s"
    assert format_duration(3723.5) == "1h2m3.5s"


# The endpoint


def test_response_shape(server: FakeOpenAIServer) -> None:
    status, _, body = post(server, {"model": "m1", "input": ["alpha beta", "gamma"]})
    assert status == 200
    assert body["object"] == "list"
    assert body["model"] == "m1"
    assert [item["index"] for item in body["data"]] == [0, 1]
    assert {item["object"] for item in body["data"]} == {"embedding"}
    assert len(body["data"][0]["embedding"]) == 256
    assert body["usage"]["prompt_tokens"] == body["usage"]["total_tokens"] > 0


def test_response_vectors_match_embed_text(server: FakeOpenAIServer) -> None:
    _, _, body = post(server, {"model": "m1", "input": "alpha beta"})
    vector = np.asarray(body["data"][0]["embedding"], dtype=np.float32)
    assert np.allclose(vector, embed_text("alpha beta", 256))


def test_requested_dimensions(server: FakeOpenAIServer) -> None:
    _, _, body = post(server, {"model": "m1", "input": ["alpha"], "dimensions": 32})
    assert len(body["data"][0]["embedding"]) == 32


def test_base64_encoding(server: FakeOpenAIServer) -> None:
    payload = {"model": "m1", "input": ["alpha"], "encoding_format": "base64"}
    _, _, body = post(server, payload)
    raw = base64.b64decode(body["data"][0]["embedding"])
    vector = np.frombuffer(raw, dtype="<f4")
    assert np.allclose(vector, embed_text("alpha", 256))


def test_wrong_key_401(server: FakeOpenAIServer) -> None:
    status, _, body = post(server, {"model": "m1", "input": ["a"]}, key="sk-wrong")
    assert status == 401
    assert body["error"]["code"] == "invalid_api_key"


def test_missing_key_401(server: FakeOpenAIServer) -> None:
    status, _, _ = post(server, {"model": "m1", "input": ["a"]}, key=None)
    assert status == 401


def test_any_key_when_none_expected() -> None:
    with FakeOpenAIServer(api_key=None, dimensions=8) as fake:
        status, _, _ = post(fake, {"model": "m1", "input": ["a"]}, key="whatever")
    assert status == 200


def test_empty_string_400(server: FakeOpenAIServer) -> None:
    status, _, body = post(server, {"model": "m1", "input": ["fine", ""]})
    assert status == 400
    assert body["error"]["type"] == "invalid_request_error"


def test_input_over_token_limit_400() -> None:
    with FakeOpenAIServer(api_key=KEY, dimensions=8, max_input_tokens=10) as fake:
        status, _, body = post(fake, {"model": "m1", "input": ["x" * 41]})
    assert status == 400
    assert "maximum context length is 10 tokens" in body["error"]["message"]


def test_input_at_token_limit_ok() -> None:
    with FakeOpenAIServer(api_key=KEY, dimensions=8, max_input_tokens=10) as fake:
        status, _, _ = post(fake, {"model": "m1", "input": ["x" * 40]})
    assert status == 200


def test_too_many_inputs_400() -> None:
    with FakeOpenAIServer(api_key=KEY, dimensions=8, max_batch_inputs=3) as fake:
        status, _, _ = post(fake, {"model": "m1", "input": ["a", "b", "c", "d"]})
    assert status == 400


def test_missing_model_400(server: FakeOpenAIServer) -> None:
    status, _, _ = post(server, {"input": ["a"]})
    assert status == 400


def test_reverse_order(server: FakeOpenAIServer) -> None:
    server.reverse_order = True
    _, _, body = post(server, {"model": "m1", "input": ["a", "b", "c"]})
    assert [item["index"] for item in body["data"]] == [2, 1, 0]


# Rate limits and quota


def test_rate_limit_headers_on_success() -> None:
    with FakeOpenAIServer(api_key=KEY, dimensions=8, requests_per_minute=60, tokens_per_minute=1000) as fake:
        _, headers, _ = post(fake, {"model": "m1", "input": ["abcd"]})
    assert headers["x-ratelimit-limit-requests"] == "60"
    assert headers["x-ratelimit-limit-tokens"] == "1000"
    assert headers["x-ratelimit-remaining-requests"] == "59"
    assert headers["x-ratelimit-remaining-tokens"] == "999"
    assert headers["x-ratelimit-reset-requests"].endswith("s")


def test_rate_limit_headers_on_error() -> None:
    with FakeOpenAIServer(api_key=KEY, dimensions=8, requests_per_minute=60) as fake:
        status, headers, _ = post(fake, {"model": "m1", "input": ["a"]}, key="bad")
    assert status == 401
    assert headers["x-ratelimit-limit-requests"] == "60"


def test_no_rate_limit_headers_by_default(server: FakeOpenAIServer) -> None:
    _, headers, _ = post(server, {"model": "m1", "input": ["a"]})
    assert headers["x-ratelimit-limit-requests"] is None


def test_requests_per_minute_limit() -> None:
    with FakeOpenAIServer(api_key=KEY, dimensions=8, requests_per_minute=2) as fake:
        statuses = [post(fake, {"model": "m1", "input": ["a"]})[0] for _ in range(3)]
        _, headers, body = post(fake, {"model": "m1", "input": ["a"]})
    assert statuses == [200, 200, 429]
    assert body["error"]["code"] == "rate_limit_exceeded"
    assert headers["x-ratelimit-remaining-requests"] == "0"


def test_tokens_per_minute_limit() -> None:
    with FakeOpenAIServer(api_key=KEY, dimensions=8, tokens_per_minute=10) as fake:
        first, _, _ = post(fake, {"model": "m1", "input": ["x" * 32]})
        second, _, _ = post(fake, {"model": "m1", "input": ["x" * 32]})
    assert first == 200
    assert second == 429


def test_rate_limit_refills() -> None:
    # 600 tokens per minute refill 10 tokens a second.
    with FakeOpenAIServer(api_key=KEY, dimensions=8, tokens_per_minute=600) as fake:
        drained, _, _ = post(fake, {"model": "m1", "input": ["x" * 2400]})
        limited, _, _ = post(fake, {"model": "m1", "input": ["a"]})
        time.sleep(0.3)
        refilled, _, _ = post(fake, {"model": "m1", "input": ["a"]})
    assert drained == 200
    assert limited == 429
    assert refilled == 200


def test_quota_exhausted_until_restored(server: FakeOpenAIServer) -> None:
    server.exhaust_quota()
    exhausted, _, body = post(server, {"model": "m1", "input": ["a"]})
    server.restore_quota()
    restored, _, _ = post(server, {"model": "m1", "input": ["a"]})
    assert exhausted == 429
    assert body["error"]["code"] == "insufficient_quota"
    assert restored == 200


def test_quota_exhausted_for_seconds(server: FakeOpenAIServer) -> None:
    server.exhaust_quota(seconds=0.2)
    exhausted, _, _ = post(server, {"model": "m1", "input": ["a"]})
    time.sleep(0.3)
    restored, _, _ = post(server, {"model": "m1", "input": ["a"]})
    assert exhausted == 429
    assert restored == 200


# Faults and records


def test_scripted_faults_in_order(server: FakeOpenAIServer) -> None:
    server.inject(Fault.server_error(503), None, Fault.unauthorized())
    statuses = [post(server, {"model": "m1", "input": ["a"]})[0] for _ in range(4)]
    assert statuses == [503, 200, 401, 200]


def test_rate_limited_fault_headers(server: FakeOpenAIServer) -> None:
    server.inject(Fault.rate_limited(retry_after=3, retry_after_ms=2500))
    status, headers, body = post(server, {"model": "m1", "input": ["a"]})
    assert status == 429
    assert body["error"]["code"] == "rate_limit_exceeded"
    assert headers["retry-after"] == "3"
    assert headers["retry-after-ms"] == "2500"


def test_fault_rate_always(server: FakeOpenAIServer) -> None:
    server.set_fault_rate(Fault.quota(), 1.0)
    statuses = {post(server, {"model": "m1", "input": ["a"]})[0] for _ in range(3)}
    server.clear_faults()
    after, _, _ = post(server, {"model": "m1", "input": ["a"]})
    assert statuses == {429}
    assert after == 200


def test_fault_rate_partial() -> None:
    with FakeOpenAIServer(api_key=KEY, dimensions=8, seed=7) as fake:
        fake.set_fault_rate(Fault.server_error(500), 0.5)
        statuses = [post(fake, {"model": "m1", "input": ["a"]})[0] for _ in range(40)]
    assert 5 < statuses.count(500) < 35
    assert statuses.count(200) == 40 - statuses.count(500)


def test_fault_rate_rejects_bad_probability(server: FakeOpenAIServer) -> None:
    with pytest.raises(ValueError):
        server.set_fault_rate(Fault.reset(), 1.5)


def test_malformed_json_fault(server: FakeOpenAIServer) -> None:
    server.inject(Fault.malformed_json())
    with pytest.raises(json.JSONDecodeError):
        post(server, {"model": "m1", "input": ["a"]})


def test_wrong_count_fault(server: FakeOpenAIServer) -> None:
    server.inject(Fault.wrong_count())
    _, _, body = post(server, {"model": "m1", "input": ["a", "b", "c"]})
    assert len(body["data"]) == 2


def test_wrong_dimension_fault(server: FakeOpenAIServer) -> None:
    server.inject(Fault.wrong_dimension())
    _, _, body = post(server, {"model": "m1", "input": ["a"]})
    assert len(body["data"][0]["embedding"]) == 128


def test_reset_fault(server: FakeOpenAIServer) -> None:
    server.inject(Fault.reset())
    with pytest.raises((ConnectionError, urllib.error.URLError, OSError)):
        post(server, {"model": "m1", "input": ["a"]})
    assert server.stats().statuses == (0,)


def test_delay_fault_trips_timeout(server: FakeOpenAIServer) -> None:
    server.inject(Fault.delay(1.0))
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        post(server, {"model": "m1", "input": ["late"]}, timeout=0.2)
    assert time.monotonic() - started < 0.9


def test_stats_count_successes_only(server: FakeOpenAIServer) -> None:
    server.inject(Fault.server_error(500), Fault.wrong_count())
    for _ in range(3):
        post(server, {"model": "m1", "input": ["one", "two"]})
    stats = server.stats()
    assert stats.requests == 3
    assert stats.statuses == (500, 200, 200)
    assert stats.embedded["one"] == 1
    assert stats.embedded_twice == []


def test_stats_embedded_twice(server: FakeOpenAIServer) -> None:
    post(server, {"model": "m1", "input": ["same"]})
    post(server, {"model": "m1", "input": ["same"]})
    assert server.stats().embedded_twice == ["same"]


def test_stats_timestamps_ordered(server: FakeOpenAIServer) -> None:
    for _ in range(3):
        post(server, {"model": "m1", "input": ["a"]})
    timestamps = server.stats().timestamps
    assert list(timestamps) == sorted(timestamps)
    assert len(timestamps) == 3


def test_abandoned_delay_not_counted(server: FakeOpenAIServer) -> None:
    server.inject(Fault.delay(0.5))
    with pytest.raises(TimeoutError):
        post(server, {"model": "m1", "input": ["abandoned"]}, timeout=0.1)
    time.sleep(0.8)
    stats = server.stats()
    assert stats.embedded["abandoned"] == 0


def test_reset_stats(server: FakeOpenAIServer) -> None:
    post(server, {"model": "m1", "input": ["a"]})
    server.reset_stats()
    assert server.stats().requests == 0


def test_stop_interrupts_delay() -> None:
    fake = FakeOpenAIServer(api_key=KEY, dimensions=8).start()
    fake.inject(Fault.delay(30))
    with pytest.raises(TimeoutError):
        post(fake, {"model": "m1", "input": ["a"]}, timeout=0.2)
    started = time.monotonic()
    fake.stop()
    assert time.monotonic() - started < 5


def test_restart_after_stop() -> None:
    fake = FakeOpenAIServer(api_key=KEY, dimensions=8)
    with fake:
        pass
    with fake:
        status, _, _ = post(fake, {"model": "m1", "input": ["a"]})
    assert status == 200
