"""Results of an export: passages, the per-document cut report, skipped documents and the text."""

from __future__ import annotations

from dataclasses import dataclass, field

from docdesk.core.export.request import ExportRequest
from docdesk.core.models import Document


@dataclass(frozen=True, slots=True)
class Passage:
    """One chunk as exported: whole, or cut short at a word boundary to fit the budget.

    `page_start` and `page_end` are None for formats without pages (DOCX, TXT, MD).
    `score` is the cosine similarity to the query, None without a query.
    """

    doc_id: str
    ordinal: int
    text: str
    page_start: int | None
    page_end: int | None
    score: float | None = None
    truncated: bool = False

    @property
    def pages(self) -> tuple[int, int] | None:
        if self.page_start is None:
            return None
        return self.page_start, self.page_end if self.page_end is not None else self.page_start


@dataclass(frozen=True, slots=True)
class DocumentCut:
    """How much of one document the export kept: `kept` of `total` chunks, the last one maybe cut short."""

    document: Document
    kept: int
    total: int
    truncated: bool = False

    @property
    def complete(self) -> bool:
        return self.kept == self.total and not self.truncated


@dataclass(frozen=True, slots=True)
class SkippedDocument:
    """A selected document left out of a query export because its vectors are of another model."""

    document: Document
    reason: str
    requeued: bool = False


@dataclass(frozen=True, slots=True)
class ExportResult:
    """A built export.

    `text` is rendered in `request.format`, and its estimated token count, `token_count`,
    is at most `request.max_tokens`. `documents` and `cut` are in output order, and
    `passages` are grouped by document in that order, each group in reading order.
    """

    request: ExportRequest
    model: str | None
    documents: list[Document]
    passages: list[Passage]
    cut: list[DocumentCut]
    skipped: list[SkippedDocument] = field(default_factory=list)
    text: str = ""
    token_count: int = 0

    @property
    def query(self) -> str | None:
        return self.request.topic

    def document(self, doc_id: str) -> Document:
        """Return the exported document with id `doc_id`; raises KeyError when it is not part of the export."""
        for document in self.documents:
            if document.id == doc_id:
                return document
        raise KeyError(doc_id)
