"""Embeddings through the OpenAI API, or any server that speaks its embeddings protocol.

Every SDK exception is translated into exactly one class of `providers.errors`,
because the worker picks its reaction (wait, pause, back off, give up) by class.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

import numpy as np
import openai
from openai.types import Embedding

from docdesk.core.chunking.tokens import estimate_tokens
from docdesk.core.providers.base import Vectors
from docdesk.core.providers.errors import (
    InvalidInputError,
    PauseReason,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
    TransientProviderError,
)
from docdesk.core.providers.rate_limit_headers import RateLimitInfo, retry_after_seconds

logger = logging.getLogger(__name__)

# OpenAI's documented limits for every embedding model (text-embedding-3-*, ada-002).
MAX_BATCH_INPUTS = 2048
MAX_BATCH_TOKENS = 300_000
MAX_INPUT_TOKENS = 8191

# Statuses that mean the request itself is wrong, so sending it again fails again.
_INVALID_INPUT_STATUSES = frozenset({400, 413, 422})
# Statuses that mean the model or URL is wrong, so every request fails until settings change.
_NOT_CONFIGURED_STATUSES = frozenset({404, 405})
_MAX_SERVER_MESSAGE = 300


class OpenAIProvider:
    """An `EmbeddingProvider` on the official `openai` SDK's `AsyncOpenAI` client."""

    def __init__(
        self,
        api_key: str,
        model: str = "text-embedding-3-small",
        base_url: str | None = None,
        timeout_seconds: float = 60.0,
        dimensions: int | None = None,
    ) -> None:
        self._api_key = api_key
        self._model = model
        self._timeout_seconds = timeout_seconds
        self._requested_dimensions = dimensions
        self._dimension = dimensions
        # A size learned from a reply (not requested or known) may itself be the wrong one.
        self._dimension_learned = False
        self.rate_limit_info: RateLimitInfo | None = None
        """The `x-ratelimit-*` headers of the latest response that carried any."""
        # docdesk retries on its own terms, so the SDK must not retry behind its back.
        self._client = openai.AsyncOpenAI(
            # The SDK raises on an empty key here, so a placeholder defers the failure
            # to embed(), which raises a typed error without sending a request.
            api_key=api_key or "missing-key",
            base_url=base_url,
            timeout=timeout_seconds,
            max_retries=0,
        )

    @property
    def name(self) -> str:
        return "openai"

    @property
    def model(self) -> str:
        """The model name, plus "@N" when a reduced dimension is requested.

        Vectors of one model at two sizes cannot be compared, so they get two ids.
        """
        if self._requested_dimensions is None:
            return self._model
        return f"{self._model}@{self._requested_dimensions}"

    @property
    def dimension(self) -> int | None:
        """Vector length: the requested one, else learned from the first response."""
        return self._dimension

    @property
    def max_input_tokens(self) -> int:
        return MAX_INPUT_TOKENS

    @property
    def max_batch_inputs(self) -> int:
        return MAX_BATCH_INPUTS

    @property
    def max_batch_tokens(self) -> int:
        return MAX_BATCH_TOKENS

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)

    async def embed(self, texts: list[str]) -> Vectors:
        """Embed `texts` in one request. The caller keeps the batch within the limits."""
        if not texts:
            return np.empty((0, self._dimension or 0), dtype=np.float32)
        if not self._api_key:
            raise ProviderUnavailableError(
                PauseReason.NOT_CONFIGURED, "no OpenAI API key is set; add one in the settings"
            )

        dimensions = self._requested_dimensions
        try:
            raw = await self._client.embeddings.with_raw_response.create(
                input=texts,
                model=self._model,
                encoding_format="float",
                dimensions=openai.omit if dimensions is None else dimensions,
            )
        except openai.APIStatusError as exc:
            self._remember_rate_limits(exc.response.headers)
            # NOTE: `from None` drops the SDK exception, whose text contains the response
            # body, because some servers echo the API key there.
            raise self._translate_status(exc) from None
        except openai.OpenAIError as exc:
            raise self._translate_failure(exc) from exc

        self._remember_rate_limits(raw.headers)
        try:
            response = raw.parse()
            return self._to_vectors(response.data, len(texts))
        except (AttributeError, TypeError, ValueError) as exc:
            raise TransientProviderError(self._clean(f"malformed response from the embedding API: {exc}")) from None

    async def aclose(self) -> None:
        await self._client.close()

    def expect_dimension(self, size: int) -> None:
        """Fix the vector size, e.g. to the size of vectors already stored for this model."""
        if self._requested_dimensions is None:
            self._dimension = size
            self._dimension_learned = False

    def _to_vectors(self, data: list[Embedding], expected: int) -> Vectors:
        if len(data) != expected:
            raise TransientProviderError(
                f"the embedding API returned the wrong number of vectors: {len(data)} for {expected} inputs"
            )
        ordered = sorted(data, key=lambda item: item.index)
        if [item.index for item in ordered] != list(range(expected)):
            raise TransientProviderError("the embedding API returned vectors with wrong indices")

        vectors = np.asarray([item.embedding for item in ordered], dtype=np.float32)
        if vectors.ndim != 2 or not np.isfinite(vectors).all():
            raise TransientProviderError("the embedding API returned vectors that are not numbers")
        size = vectors.shape[1]
        if self._dimension is None:
            self._dimension = size
            self._dimension_learned = True
            logger.info("model %s returns %d-dimensional vectors", self._model, size)
        elif size != self._dimension:
            expected = self._dimension
            if self._dimension_learned:
                # Only one reply set the size and nothing is stored with it yet. If that reply
                # was the faulty one, forgetting it lets the next reply set the size again.
                self._dimension = None
            raise TransientProviderError(
                f"the embedding API returned {size}-dimensional vectors, expected {expected}"
            )
        return vectors

    def _remember_rate_limits(self, headers: Mapping[str, str]) -> None:
        info = RateLimitInfo.from_headers(headers, time.monotonic())
        if info is not None:
            self.rate_limit_info = info

    def _translate_status(self, exc: openai.APIStatusError) -> ProviderError:
        status = exc.status_code
        if status == 429 and "insufficient_quota" in (exc.code, exc.type):
            return ProviderUnavailableError(
                PauseReason.QUOTA,
                self._status_message(
                    exc,
                    "the embedding API quota is exhausted",
                    "add credit or raise the limit, then resume",
                ),
            )
        if status == 429:
            retry_after = retry_after_seconds(exc.response.headers)
            advice = "no retry time given" if retry_after is None else f"retry in {retry_after:g} s"
            return RateLimitedError(
                self._status_message(exc, "the embedding API rate limit was reached", advice),
                retry_after=retry_after,
            )
        if status in (401, 403):
            return ProviderUnavailableError(
                PauseReason.AUTH,
                self._status_message(exc, "the embedding API rejected the API key", "check the key in the settings"),
            )
        if status in _NOT_CONFIGURED_STATUSES:
            return ProviderUnavailableError(
                PauseReason.NOT_CONFIGURED,
                self._status_message(
                    exc,
                    f"model {self._model} or the embedding API URL was not found",
                    "check the model and base URL in the settings",
                ),
            )
        if status in _INVALID_INPUT_STATUSES:
            return InvalidInputError(self._status_message(exc, "the embedding API rejected the input"))
        return TransientProviderError(self._status_message(exc, "the embedding API failed"))

    def _status_message(self, exc: openai.APIStatusError, summary: str, advice: str = "") -> str:
        """Build "summary (HTTP n); advice. Server message: ..." as one clean line."""
        message = f"{summary} (HTTP {exc.status_code})"
        if advice:
            message += f"; {advice}"
        body = exc.body
        if isinstance(body, dict) and isinstance(body.get("message"), str):
            message += f". Server message: {body['message']}"
        return self._clean(message)

    def _translate_failure(self, exc: openai.OpenAIError) -> ProviderError:
        # A timeout or refusal while connecting means the server cannot be reached at
        # all, so the whole provider pauses. A failure after connecting (a reset or a
        # slow response) may pass on retry.
        if _caused_by(exc, ("ConnectError", "ConnectTimeout")):
            reason = _root_cause(exc)
            return ProviderUnavailableError(
                PauseReason.UNREACHABLE,
                self._clean(f"cannot connect to the embedding API at {self._client.base_url}: {reason}"),
            )
        if isinstance(exc, openai.APITimeoutError):
            return TransientProviderError(f"the embedding request timed out after {self._timeout_seconds:g} s")
        if isinstance(exc, openai.APIConnectionError):
            return TransientProviderError(
                self._clean(
                    f"the connection to the embedding API at {self._client.base_url} "
                    f"broke before the response was complete: {_root_cause(exc)}"
                )
            )
        return TransientProviderError(self._clean(f"the embedding request failed: {type(exc).__name__}: {exc}"))

    def _clean(self, message: str) -> str:
        """Make `message` one line of bounded length without the API key in it."""
        if self._api_key:
            message = message.replace(self._api_key, "[redacted]")
        message = " ".join(message.split())
        if len(message) > _MAX_SERVER_MESSAGE:
            message = message[: _MAX_SERVER_MESSAGE - 1] + "…"
        return message


def _exception_chain(exc: BaseException) -> list[BaseException]:
    chain = [exc]
    while chain[-1].__cause__ is not None and len(chain) < 10:
        chain.append(chain[-1].__cause__)
    return chain


def _caused_by(exc: BaseException, class_names: tuple[str, ...]) -> bool:
    # Matched by name so that both httpx and httpx2 (used by openai 3.x) and their
    # httpcore layers are recognised without importing them.
    return any(type(link).__name__ in class_names for link in _exception_chain(exc))


def _root_cause(exc: BaseException) -> str:
    root = _exception_chain(exc)[-1]
    return str(root) or type(root).__name__
