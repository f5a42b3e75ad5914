"""Deterministic bag-of-words embeddings, so that texts sharing words score a higher cosine.

Each word (lower-cased, with a trailing plural "s" dropped and common English
stop words skipped) is hashed with BLAKE2b to one dimension and a sign. The
counts are L2-normalised. Two texts on the same topic share words and get a
cosine well above zero, while unrelated texts score near zero. This is no
semantic model, but it is enough for ranking tests.
"""

from __future__ import annotations

import hashlib
import math
import re

import numpy as np
import numpy.typing as npt

DEFAULT_DIMENSIONS = 1536

_WORD = re.compile(r"\w+")

# A short list is enough: these words would otherwise make every pair of English texts similar.
_STOP_WORDS = frozenset(
    "a an and are as at be by for from has have in is it its of on or that the this to was were will with".split()
)


def words_of(text: str) -> list[str]:
    """Split `text` into the normalised words that are hashed."""
    words = []
    for word in _WORD.findall(text.lower()):
        if word in _STOP_WORDS:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.append(word)
    return words


def _slot(token: str, dimensions: int) -> tuple[int, float]:
    digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
    value = int.from_bytes(digest, "big")
    # The lowest bit picks the sign, so collisions cancel on average instead of adding up.
    sign = 1.0 if value & 1 else -1.0
    return (value >> 1) % dimensions, sign


def embed_text(text: str, dimensions: int = DEFAULT_DIMENSIONS) -> npt.NDArray[np.float32]:
    """Return the unit-length float32 vector of `text`.

    A text with no words (only punctuation, say) is hashed whole, so it still gets a
    unit vector and two such texts differ.
    """
    vector = np.zeros(dimensions, dtype=np.float64)
    tokens = words_of(text) or [text]
    for token in tokens:
        index, sign = _slot(token, dimensions)
        vector[index] += sign
    norm = float(np.linalg.norm(vector))
    return (vector / norm).astype(np.float32)


def count_tokens(text: str) -> int:
    """Estimate the tokens of `text` as its UTF-8 bytes divided by 4, rounded up.

    Real tokenizers average about 4 bytes of English per token. A client whose own
    estimate is never lower than this one never sends an input that this server
    rejects for length.
    """
    return math.ceil(len(text.encode("utf-8")) / 4)
