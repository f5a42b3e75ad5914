"""An OpenAI-compatible embeddings server for tests, with fault injection and rate limits.

with FakeOpenAIServer(api_key="test-key") as server:
    server.inject(Fault.rate_limited(retry_after=2), Fault.server_error(503))
    client = AsyncOpenAI(api_key="test-key", base_url=server.base_url)
    ...
    assert not server.stats().embedded_twice
"""

from .embedding import DEFAULT_DIMENSIONS, count_tokens, embed_text, words_of
from .faults import Fault, FaultKind, FaultPlan
from .rate_limits import format_duration
from .server import FakeOpenAIServer, ServerStats

__all__ = [
    "DEFAULT_DIMENSIONS",
    "FakeOpenAIServer",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "ServerStats",
    "count_tokens",
    "embed_text",
    "format_duration",
    "words_of",
]
