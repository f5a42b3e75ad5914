"""Vector (de)serialisation: little-endian float32 BLOBs, with JSON arrays read for old rows."""

from __future__ import annotations

import json

import numpy as np
import numpy.typing as npt

FLOAT32_LE = np.dtype("<f4")


def encode_vector(vector: npt.ArrayLike) -> bytes:
    return np.asarray(vector, dtype=FLOAT32_LE).tobytes()


def decode_vector(value: bytes | str) -> npt.NDArray[np.float32]:
    """Decode a stored vector; text values are JSON arrays written by the old Node.js app."""
    if isinstance(value, str):
        return np.asarray(json.loads(value), dtype=np.float32)
    return np.frombuffer(value, dtype=FLOAT32_LE).astype(np.float32, copy=False)


def decode_matrix(blobs: list[bytes], dim: int) -> npt.NDArray[np.float32]:
    """Stack equal-length float32 BLOBs into one (n, dim) matrix without a Python loop per value."""
    if not blobs:
        return np.zeros((0, dim), dtype=np.float32)
    joined = b"".join(blobs)
    return np.frombuffer(joined, dtype=FLOAT32_LE).reshape(len(blobs), dim).astype(np.float32)
