"""Building an export: select documents, choose passages within the token budget, render.

Without a query every document gets a fair share of the budget and keeps its text
in reading order. With a query the chunks of all selected documents are ranked by
cosine similarity to it and taken best first.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

import aiosqlite

from docdesk.core.chunking.tokens import estimate_tokens
from docdesk.core.export.budget import PassageCost, plan_ranked, plan_reading_order
from docdesk.core.export.errors import ExportBudgetError, ExportProviderError, ExportSelectionError
from docdesk.core.export.ranking import rank
from docdesk.core.export.render import LAYOUTS, render_counted
from docdesk.core.export.request import ExportRequest
from docdesk.core.export.result import DocumentCut, ExportResult, Passage, SkippedDocument
from docdesk.core.export.selection import select_documents
from docdesk.core.export.snapshot import read_snapshot
from docdesk.core.export.vectors import ModelVectors, requeue_skipped, vectors_of_model
from docdesk.core.models import Document
from docdesk.core.providers.base import EmbeddingProvider
from docdesk.core.store.chunks import StoredChunk, read_chunks

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Selection:
    """Everything read from the database for one export, in one snapshot."""

    documents: list[Document]
    chunks: dict[str, list[StoredChunk]]
    vectors: ModelVectors | None


async def build_export(
    db: aiosqlite.Connection, provider: EmbeddingProvider | None, request: ExportRequest
) -> ExportResult:
    """Build the export that `request` describes; `provider` embeds the query and may be None without one.

    Raises ExportSelectionError when a requested document is missing or not ready, or
    when nothing is left to export. Raises ExportProviderError for a query without a
    provider, and ExportBudgetError when max_tokens cannot fit even the headings. The
    provider's own ProviderError passes through when the query cannot be embedded.
    With `requeue_other_models`, documents whose vectors are of another model are
    queued again before the function returns or raises.
    """
    query = request.topic
    if query is not None and provider is None:
        raise ExportProviderError("a query needs an embedding provider to rank passages, and none is configured")
    model = provider.model if query is not None and provider is not None else None
    selection = await _read_selection(db, request, model)

    skipped = selection.vectors.skipped if selection.vectors is not None else []
    if skipped and request.requeue_other_models:
        assert model is not None
        skipped = await requeue_skipped(db, skipped, model)
    if not selection.documents:
        raise ExportSelectionError(_nothing_left(request, skipped, model))

    if query is not None and provider is not None and selection.vectors is not None:
        ranked = await _ranked_passages(provider, query, selection)
        draft = _draft(request, model, selection, skipped)
        planned = _plan_ranked(draft, ranked)
    else:
        draft = _draft(request, None, selection, skipped)
        planned = _plan_reading_order(draft, selection)
    return _fit_whole_text(draft, planned, selection)


async def _read_selection(db: aiosqlite.Connection, request: ExportRequest, model: str | None) -> _Selection:
    async with read_snapshot(db):
        documents = await select_documents(db, request.doc_ids, request.subject, request.grade)
        vectors = await vectors_of_model(db, documents, model) if model is not None else None
        if vectors is not None:
            documents = vectors.documents
        chunks = {document.id: await read_chunks(db, document.id) for document in documents}
    return _Selection(documents, chunks, vectors)


def _nothing_left(request: ExportRequest, skipped: list[SkippedDocument], model: str | None) -> str:
    if not skipped:
        pairs = (("subject", request.subject), ("grade", request.grade))
        filters = [f"{name} {value!r}" for name, value in pairs if value]
        where = f" with {' and '.join(filters)}" if filters else ""
        return f"no ready documents{where} to export; add files and wait for the worker, or change the filters"
    listed = "; ".join(f"{s.document.title or s.document.filename} {s.reason}" for s in skipped)
    if request.requeue_other_models:
        return f"no selected document has vectors of model {model}: {listed}; export again once the worker is done"
    return (
        f"no selected document has vectors of model {model}: {listed}; re-queue them to embed them "
        f"with {model}, or configure the provider that embedded them"
    )


async def _ranked_passages(provider: EmbeddingProvider, query: str, selection: _Selection) -> Iterator[Passage]:
    """Return the passages best first; they are made lazily because the plan stops after a few of thousands."""
    assert selection.vectors is not None
    query_vector = (await provider.embed([query]))[0]
    order, scores = rank(query_vector, selection.vectors.matrix)
    keys = selection.vectors.keys
    texts = {(chunk.doc_id, chunk.ordinal): chunk for chunks in selection.chunks.values() for chunk in chunks}
    return (
        _passage(texts[keys[row]], float(scores[row])) for row in order.tolist() if keys[row] in texts
    )


def _passage(chunk: StoredChunk, score: float | None = None) -> Passage:
    return Passage(chunk.doc_id, chunk.ordinal, chunk.text.strip(), chunk.page_start, chunk.page_end, score)


def _draft(
    request: ExportRequest, model: str | None, selection: _Selection, skipped: list[SkippedDocument]
) -> ExportResult:
    """Return a result without passages whose cut report claims every chunk: an upper bound of the header."""
    cut = [DocumentCut(d, len(selection.chunks[d.id]), len(selection.chunks[d.id]), True) for d in selection.documents]
    return ExportResult(request, model, list(selection.documents), [], cut, skipped)


def _content_budget(draft: ExportResult) -> tuple[int, PassageCost, dict[str, int]]:
    """Return (tokens left for passages, cost of one passage, cost of each document's heading)."""
    layout = LAYOUTS[draft.request.format]
    max_tokens = draft.request.max_tokens
    overhead = estimate_tokens(layout.render(draft, max_tokens))
    if overhead > max_tokens:
        raise ExportBudgetError(
            f"a budget of {max_tokens} tokens is too small: the headings and cut report of "
            f"{len(draft.documents)} document(s) alone take about {overhead}; raise it or select fewer documents"
        )

    documents = {d.id: d for d in draft.documents}

    def cost(passage: Passage) -> int:
        return estimate_tokens(layout.passage(documents[passage.doc_id], passage))

    headings = {d.id: estimate_tokens(layout.heading(d)) for d in draft.documents}
    return max_tokens - overhead, cost, headings


def _plan_reading_order(draft: ExportResult, selection: _Selection) -> list[Passage]:
    budget, cost, headings = _content_budget(draft)
    per_document = [[_passage(chunk) for chunk in selection.chunks[d.id]] for d in draft.documents]
    plan = plan_reading_order(per_document, [headings[d.id] for d in draft.documents], budget, cost)
    return [passage for passages in plan for passage in passages]


def _plan_ranked(draft: ExportResult, ranked: Iterable[Passage]) -> list[Passage]:
    budget, cost, headings = _content_budget(draft)
    return plan_ranked(ranked, headings, budget, cost)


def _arrange(draft: ExportResult, passages: list[Passage], selection: _Selection) -> ExportResult:
    """Group passages by document in reading order; with scores, the document with the best passage comes first."""
    by_document: dict[str, list[Passage]] = {d.id: [] for d in draft.documents}
    for passage in passages:
        by_document[passage.doc_id].append(passage)
    documents = list(draft.documents)
    if draft.query is not None:
        def best(document: Document) -> float:
            scores = [p.score for p in by_document[document.id] if p.score is not None]
            return max(scores, default=float("-inf"))

        documents.sort(key=best, reverse=True)
    ordered = [p for d in documents for p in sorted(by_document[d.id], key=lambda p: p.ordinal)]
    cut = [
        DocumentCut(
            d,
            kept=len(by_document[d.id]),
            total=len(selection.chunks[d.id]),
            truncated=any(p.truncated for p in by_document[d.id]),
        )
        for d in documents
    ]
    return replace(draft, documents=documents, passages=ordered, cut=cut)


def _fit_whole_text(draft: ExportResult, planned: list[Passage], selection: _Selection) -> ExportResult:
    """Render, and drop passages until the whole text's estimate is within max_tokens.

    The plan is priced block by block, so this loop rarely removes anything; it is
    what guarantees the budget.
    """
    passages = list(planned)
    while True:
        result = _arrange(draft, passages, selection)
        text, count = render_counted(result, draft.request.format)
        if count <= draft.request.max_tokens:
            return replace(result, text=text, token_count=count)
        if not passages:
            raise ExportBudgetError(
                f"a budget of {draft.request.max_tokens} tokens is too small: the headings and cut report "
                f"alone take {count}; raise it or select fewer documents"
            )
        log.debug("export estimate %d over budget %d; dropping a passage", count, draft.request.max_tokens)
        passages.remove(_least_needed(passages))


def _least_needed(passages: list[Passage]) -> Passage:
    """Return the passage to drop: the lowest score, or without scores the last passage of the longest document."""
    if any(p.score is not None for p in passages):
        return min(passages, key=lambda p: p.score if p.score is not None else float("-inf"))
    lengths: dict[str, int] = {}
    for passage in passages:
        lengths[passage.doc_id] = lengths.get(passage.doc_id, 0) + len(passage.text)
    longest = max(lengths, key=lambda doc_id: lengths[doc_id])
    return [p for p in passages if p.doc_id == longest][-1]
