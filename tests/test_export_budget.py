"""Export without a provider: budget, fair shares, cut report, citations, formats and rejections."""

from __future__ import annotations

import json
import subprocess
import sys

import aiosqlite
import numpy as np
import pytest

from docdesk.core.chunking.tokens import estimate_tokens
from docdesk.core.export import (
    ExportBudgetError,
    ExportError,
    ExportFormat,
    ExportProviderError,
    ExportRequest,
    ExportSelectionError,
    build_export,
    render,
)
from docdesk.core.export.budget import truncate_to_fit, water_fill
from docdesk.core.export.markdown import export_markdown
from docdesk.core.export.ranking import cosine_scores, rank
from docdesk.core.export.result import Passage
from docdesk.core.models import Document
from tests.export_documents import store_queued, store_ready, topic_text


def paragraphs(topic: str, count: int) -> list[str]:
    return topic_text(topic, count).split("\n\n")


async def two_long_documents(db: aiosqlite.Connection) -> tuple[Document, Document]:
    volcanoes = await store_ready(db, "volcanoes.txt", paragraphs("volcanoes", 30), subject="Geography", grade="7")
    rome = await store_ready(db, "rome.txt", paragraphs("rome", 30), subject="History", grade="8")
    return volcanoes, rome


def passage_tokens(passages: list[Passage], doc_id: str) -> int:
    return sum(estimate_tokens(p.text) for p in passages if p.doc_id == doc_id)


@pytest.mark.parametrize(
    ("demands", "budget", "expected"),
    [
        ([10, 10], 100, [10, 10]),
        ([100, 100], 100, [50, 50]),
        ([10, 500, 500], 300, [10, 145, 145]),
        ([0, 80], 60, [0, 60]),
        ([], 50, []),
        ([40, 40], -5, [0, 0]),
    ],
)
def test_water_fill(demands: list[int], budget: int, expected: list[int]) -> None:
    assert water_fill(demands, budget) == expected


def test_truncate_cuts_after_word() -> None:
    passage = Passage("d", 0, "alpha beta gamma delta " * 40, None, None)
    cut = truncate_to_fit(passage, 60, lambda p: estimate_tokens(p.text))
    assert cut is not None
    assert cut.truncated
    assert estimate_tokens(cut.text) <= 60
    assert passage.text.startswith(cut.text + " ")


def test_truncate_too_small_returns_none() -> None:
    passage = Passage("d", 0, "alpha beta gamma delta " * 40, None, None)
    assert truncate_to_fit(passage, 10, lambda p: estimate_tokens(p.text)) is None


def test_truncate_text_without_spaces() -> None:
    passage = Passage("d", 0, "火山" * 200, None, None)
    cut = truncate_to_fit(passage, 50, lambda p: estimate_tokens(p.text))
    assert cut is not None
    assert len(cut.text) == 50


def test_cosine_scores_known_values() -> None:
    matrix = np.array([[1, 0], [0, 1], [1, 1], [0, 0]], dtype=np.float32)
    scores = cosine_scores(np.array([1, 0], dtype=np.float32), matrix)
    assert scores.tolist() == pytest.approx([1.0, 0.0, 2**-0.5, 0.0])


def test_rank_orders_best_first() -> None:
    matrix = np.array([[0, 1], [1, 0], [1, 1]], dtype=np.float32)
    order, _ = rank(np.array([1, 0], dtype=np.float32), matrix)
    assert order.tolist() == [1, 2, 0]


def test_rank_rejects_other_dimension() -> None:
    with pytest.raises(ExportError, match="dimensions"):
        cosine_scores(np.ones(3, dtype=np.float32), np.ones((2, 4), dtype=np.float32))


@pytest.mark.parametrize("export_format", list(ExportFormat))
@pytest.mark.parametrize("max_tokens", [400, 800, 2500])
async def test_budget_without_query(db: aiosqlite.Connection, export_format: ExportFormat, max_tokens: int) -> None:
    await two_long_documents(db)
    result = await build_export(db, None, ExportRequest(max_tokens=max_tokens, format=export_format))
    assert estimate_tokens(result.text) <= max_tokens
    assert result.token_count == estimate_tokens(result.text)
    assert result.passages


async def test_budget_used_mostly(db: aiosqlite.Connection) -> None:
    await two_long_documents(db)
    result = await build_export(db, None, ExportRequest(max_tokens=2000))
    assert result.token_count >= 1900


async def test_fair_share_two_long_documents(db: aiosqlite.Connection) -> None:
    volcanoes, rome = await two_long_documents(db)
    result = await build_export(db, None, ExportRequest(max_tokens=1500))
    volcano_tokens = passage_tokens(result.passages, volcanoes.id)
    rome_tokens = passage_tokens(result.passages, rome.id)
    assert volcano_tokens > 0
    assert rome_tokens > 0
    assert 0.8 < volcano_tokens / rome_tokens < 1.25


async def test_unused_share_goes_to_others(db: aiosqlite.Connection) -> None:
    short = await store_ready(db, "short.txt", ["A short note on volcanoes and lava."])
    volcanoes, rome = await two_long_documents(db)
    result = await build_export(db, None, ExportRequest(max_tokens=1500))
    cut = {c.document.id: c for c in result.cut}
    assert cut[short.id].complete
    assert passage_tokens(result.passages, volcanoes.id) > 400
    assert passage_tokens(result.passages, rome.id) > 400


async def test_small_budget_serves_first_documents(db: aiosqlite.Connection) -> None:
    documents = [await store_ready(db, f"rome{i}.txt", paragraphs("rome", 10)) for i in range(6)]
    result = await build_export(db, None, ExportRequest(max_tokens=300))
    kept = {c.document.id: c.kept for c in result.cut}
    assert kept[documents[0].id] > 0
    assert kept[documents[-1].id] == 0
    assert estimate_tokens(result.text) <= 300


async def test_cut_report_counts(db: aiosqlite.Connection) -> None:
    volcanoes, rome = await two_long_documents(db)
    result = await build_export(db, None, ExportRequest(max_tokens=1000))
    for cut in result.cut:
        kept = [p for p in result.passages if p.doc_id == cut.document.id]
        assert cut.kept == len(kept)
        assert cut.total == 30
        assert f"({cut.document.filename}): {cut.kept} of 30 chunks" in result.text


async def test_cut_short_passage_marked(db: aiosqlite.Connection) -> None:
    # Chunks of about 500 tokens, so a share of the budget ends inside one.
    await store_ready(db, "long.txt", [topic_text("volcanoes", 6, seed=i) for i in range(4)])
    result = await build_export(db, None, ExportRequest(max_tokens=1000))
    truncated = [p for p in result.passages if p.truncated]
    assert truncated
    assert "[...]" in result.text
    assert "cut short" in result.text


async def test_complete_export_has_no_cut(db: aiosqlite.Connection) -> None:
    await store_ready(db, "short.txt", ["A short note on volcanoes and lava.", "Another on magma."])
    result = await build_export(db, None, ExportRequest())
    assert all(cut.complete for cut in result.cut)
    assert "2 of 2 chunks" in result.text


async def test_documents_in_requested_order(db: aiosqlite.Connection) -> None:
    volcanoes, rome = await two_long_documents(db)
    request = ExportRequest(doc_ids=(rome.id, volcanoes.id[:8]), max_tokens=1500)
    result = await build_export(db, None, request)
    assert [d.id for d in result.documents] == [rome.id, volcanoes.id]
    assert result.text.index("## rome") < result.text.index("## volcanoes")


async def test_passages_in_reading_order(db: aiosqlite.Connection) -> None:
    volcanoes, _ = await two_long_documents(db)
    result = await build_export(db, None, ExportRequest(max_tokens=2000))
    ordinals = [p.ordinal for p in result.passages if p.doc_id == volcanoes.id]
    assert ordinals == list(range(len(ordinals)))


async def test_heading_shows_metadata(db: aiosqlite.Connection) -> None:
    await store_ready(db, "bio.txt", ["Leaves and sunlight."], title="Biology 101", subject="Biology", grade="9")
    result = await build_export(db, None, ExportRequest())
    assert "## Biology 101\n\n_subject: Biology; grade: 9; file: bio.txt_" in result.text


async def test_pdf_citation_pages(db: aiosqlite.Connection) -> None:
    await store_ready(
        db, "lesson.pdf", ["First page text.", "Spans two pages."], pages=[(1, 1), (2, 3)],
        mime="application/pdf", title="Lesson",
    )
    result = await build_export(db, None, ExportRequest())
    assert "_Source: Lesson, lesson.pdf, page 1_" in result.text
    assert "_Source: Lesson, lesson.pdf, pages 2-3_" in result.text


async def test_text_citation_without_pages(db: aiosqlite.Connection) -> None:
    await store_ready(db, "notes.txt", ["Plain notes."], title="Notes")
    result = await build_export(db, None, ExportRequest())
    assert "_Source: Notes, notes.txt_" in result.text


async def test_json_schema_keys(db: aiosqlite.Connection) -> None:
    await store_ready(db, "lesson.pdf", ["Page one.", "Page two."], pages=[(1, 1), (2, 2)], mime="application/pdf")
    result = await build_export(db, None, ExportRequest(format=ExportFormat.JSON))
    payload = json.loads(result.text)
    required = {"query", "model", "max_tokens", "token_count", "documents", "chunks"}
    assert required <= set(payload)
    assert {"id", "title", "subject", "grade", "filename"} <= set(payload["documents"][0])
    assert {"doc_id", "ordinal", "pages", "score", "text"} <= set(payload["chunks"][0])
    assert payload["chunks"][1]["pages"] == [2, 2]
    assert payload["token_count"] == estimate_tokens(result.text)
    assert payload["query"] is None


async def test_render_other_format(db: aiosqlite.Connection) -> None:
    await two_long_documents(db)
    result = await build_export(db, None, ExportRequest(max_tokens=1200))
    payload = json.loads(render(result, "json"))
    assert len(payload["chunks"]) == len(result.passages)


async def test_subject_filter(db: aiosqlite.Connection) -> None:
    volcanoes, _ = await two_long_documents(db)
    result = await build_export(db, None, ExportRequest(subject="geography"))
    assert [d.id for d in result.documents] == [volcanoes.id]


async def test_not_ready_rejected(db: aiosqlite.Connection) -> None:
    ready = await store_ready(db, "ready.txt", ["Ready text."])
    queued = await store_queued(db, "waiting.txt")
    with pytest.raises(ExportSelectionError, match=f"{queued.id[:8]} \\(waiting\\) is queued"):
        await build_export(db, None, ExportRequest(doc_ids=(ready.id, queued.id)))


async def test_missing_document_rejected(db: aiosqlite.Connection) -> None:
    with pytest.raises(ExportSelectionError, match="document not found: feedbeef"):
        await build_export(db, None, ExportRequest(doc_ids=("feedbeef",)))


async def test_nothing_ready_rejected(db: aiosqlite.Connection) -> None:
    await store_queued(db, "waiting.txt")
    with pytest.raises(ExportSelectionError, match="no ready documents"):
        await build_export(db, None, ExportRequest())


async def test_budget_too_small(db: aiosqlite.Connection) -> None:
    await two_long_documents(db)
    with pytest.raises(ExportBudgetError, match="budget of 40 tokens is too small"):
        await build_export(db, None, ExportRequest(max_tokens=40))


async def test_query_needs_provider(db: aiosqlite.Connection) -> None:
    await two_long_documents(db)
    with pytest.raises(ExportProviderError, match="needs an embedding provider"):
        await build_export(db, None, ExportRequest(query="volcanoes"))


def test_request_rejects_zero_budget() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ExportRequest(max_tokens=0)


async def test_export_markdown_compatible(db: aiosqlite.Connection) -> None:
    volcanoes, _ = await two_long_documents(db)
    text = await export_markdown(db, [volcanoes])
    assert text.startswith("# Tutor context")
    assert "## rome" not in text


def test_core_imports_without_textual() -> None:
    code = "import sys, docdesk.core.export; assert 'textual' not in sys.modules, 'textual imported'"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
