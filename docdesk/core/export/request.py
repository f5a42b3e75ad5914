"""Export requests: documents, query, token budget and format."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

DEFAULT_MAX_TOKENS = 4000

# The rule of docdesk.core.chunking.tokens.estimate_tokens, stated for help texts and output metadata.
TOKEN_ESTIMATE_RULE = "ceil(ASCII characters / 4 + other characters) of the whole output text"


class ExportFormat(StrEnum):
    """Output format of an export."""

    MARKDOWN = "markdown"
    JSON = "json"


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """Parameters of one export.

    `doc_ids` are full ids or unique prefixes, in the order the user gave them. When it
    is empty, every ready document is taken (oldest first), and `subject` and `grade`
    narrow either selection.
    """

    doc_ids: tuple[str, ...] = ()
    subject: str | None = None
    grade: str | None = None
    query: str | None = None
    max_tokens: int = DEFAULT_MAX_TOKENS
    format: ExportFormat = ExportFormat.MARKDOWN
    requeue_other_models: bool = False

    def __post_init__(self) -> None:
        if self.max_tokens < 1:
            raise ValueError(f"max_tokens must be at least 1, got {self.max_tokens}")

    @property
    def topic(self) -> str | None:
        """The query without surrounding whitespace, or None when it is missing or blank."""
        if self.query is None:
            return None
        return self.query.strip() or None
