"""The interface every embedding provider implements."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class EmbeddingProvider(Protocol):
    """Turns texts into vectors; implementations raise only `providers.errors` types."""

    @property
    def name(self) -> str:
        """Short provider name, `openai` or `local`."""
        ...

    @property
    def model(self) -> str:
        """Model identifier stored with every vector, so vectors of different models never mix."""
        ...

    @property
    def max_input_tokens(self) -> int:
        """Largest input the model takes, in the provider's own tokens."""
        ...

    @property
    def max_batch_inputs(self) -> int:
        """Most inputs one request may carry."""
        ...

    @property
    def max_batch_tokens(self) -> int:
        """Most estimated tokens one request may carry."""
        ...

    def count_tokens(self, text: str) -> int:
        """Return the number of tokens `text` costs, exact or a safe over-estimate."""
        ...

    async def embed(self, texts: list[str]) -> Vectors:
        """Return one float32 row per text, in order; shape (len(texts), dimension)."""
        ...

    async def aclose(self) -> None:
        """Release network clients or model memory."""
        ...
