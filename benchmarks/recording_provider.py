"""An OpenAI provider that records when each request went out, its size and its outcome."""

from __future__ import annotations

import time
from dataclasses import dataclass

from docdesk.core.providers.base import Vectors
from docdesk.core.providers.errors import RateLimitedError
from docdesk.core.providers.openai_provider import OpenAIProvider
from tests.support.fake_openai import count_tokens

OK = "ok"
RATE_LIMITED = "429"
FAILED = "failed"


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One embedding request; times are `time.monotonic()` seconds."""

    sent_at: float
    finished_at: float
    inputs: int
    # Tokens as the fake server counts them, which is what its token bucket charges.
    tokens: int
    outcome: str


class RecordingProvider(OpenAIProvider):
    """`OpenAIProvider` plus a list of `RequestRecord`, for throughput timelines."""

    def __init__(self, api_key: str, *, base_url: str, timeout_seconds: float) -> None:
        super().__init__(api_key=api_key, base_url=base_url, timeout_seconds=timeout_seconds)
        self.records: list[RequestRecord] = []

    async def embed(self, texts: list[str]) -> Vectors:
        sent_at = time.monotonic()
        tokens = sum(count_tokens(text) for text in texts)
        outcome = FAILED
        try:
            vectors = await super().embed(texts)
            outcome = OK
            return vectors
        except RateLimitedError:
            outcome = RATE_LIMITED
            raise
        finally:
            self.records.append(RequestRecord(sent_at, time.monotonic(), len(texts), tokens, outcome))
