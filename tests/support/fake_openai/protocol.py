"""The embeddings endpoint's request checks and response bodies, without any HTTP."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .embedding import embed_text


@dataclass(slots=True)
class Reply:
    """A response to write: status, JSON body and headers, or a reset connection."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    reset: bool = False
    # Texts embedded by this reply, counted as successful once the reply is written.
    embedded: list[str] = field(default_factory=list)


class InvalidRequest(Exception):
    """The request breaks a rule of the API. The message becomes a 400 error body."""


@dataclass(frozen=True, slots=True)
class EmbeddingRequest:
    model: str
    texts: list[str]
    encoding_format: str
    dimensions: int


def error_reply(
    status: int,
    message: str,
    *,
    error_type: str | None = "invalid_request_error",
    code: str | None = None,
    headers: list[tuple[str, str]] | None = None,
) -> Reply:
    """Build an error in OpenAI's shape: {"error": {"message", "type", "param", "code"}}."""
    payload = {"error": {"message": message, "type": error_type, "param": None, "code": code}}
    return Reply(status, json.dumps(payload).encode(), list(headers or []))


def parse_request(body: bytes, *, max_dimensions: int, max_inputs: int) -> EmbeddingRequest:
    """Decode and check a request body, raising InvalidRequest as the API would reject it."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidRequest("We could not parse the JSON body of your request.") from None
    if not isinstance(payload, dict):
        raise InvalidRequest("The request body must be a JSON object.")

    model = payload.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidRequest("You must provide a model parameter.")

    texts = _parse_input(payload.get("input"), max_inputs)
    encoding_format = payload.get("encoding_format", "float")
    if encoding_format not in ("float", "base64"):
        raise InvalidRequest(f"'{encoding_format}' is not one of ['float', 'base64'].")

    dimensions = payload.get("dimensions", max_dimensions)
    if not isinstance(dimensions, int) or not 1 <= dimensions <= max_dimensions:
        raise InvalidRequest(f"dimensions must be an integer from 1 to {max_dimensions}.")
    return EmbeddingRequest(model, texts, encoding_format, dimensions)


def _parse_input(value: Any, max_inputs: int) -> list[str]:
    texts = [value] if isinstance(value, str) else value
    if not isinstance(texts, list) or not texts:
        raise InvalidRequest("'$.input' is invalid: it must be a string or a non-empty array.")
    if len(texts) > max_inputs:
        raise InvalidRequest(f"'$.input' is invalid: at most {max_inputs} inputs per request.")
    for text in texts:
        if not isinstance(text, str):
            raise InvalidRequest("'$.input' is invalid: only strings are accepted by this server.")
        if not text:
            raise InvalidRequest("'$.input' is invalid: input strings must not be empty.")
    return texts


def embedding_payload(
    request: EmbeddingRequest, token_counts: list[int], dimensions: int | None = None
) -> dict[str, Any]:
    """Build the success body. `dimensions` overrides the requested size, for faults."""
    size = dimensions or request.dimensions
    data = []
    for index, text in enumerate(request.texts):
        vector = embed_text(text, size)
        embedding: Any
        if request.encoding_format == "base64":
            embedding = base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")
        else:
            embedding = vector.astype(np.float64).tolist()
        data.append({"object": "embedding", "index": index, "embedding": embedding})
    tokens = sum(token_counts)
    return {
        "object": "list",
        "data": data,
        "model": request.model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
