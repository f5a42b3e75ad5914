"""Ready documents for the export tests: generated topic texts, stored directly or run through the real pipeline."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import aiosqlite
import numpy as np

from docdesk.core.intake.add import Metadata, add_file
from docdesk.core.models import Chunk, Document
from docdesk.core.providers.base import EmbeddingProvider
from docdesk.core.settings import Settings, load_settings
from docdesk.core.store.chunks import ReadyResult, save_ready
from docdesk.core.store.connection import open_database
from docdesk.core.store.documents import NewDocument, get_document, insert_document, list_documents
from docdesk.core.store.queue import claim_next
from docdesk.core.worker.worker import Worker
from tests.support.fake_openai import embed_text

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"

# The model name the fake server's vectors are stored under: OpenAIProvider's default model.
FAKE_MODEL = "text-embedding-3-small"

TOPICS: dict[str, list[str]] = {
    "volcanoes": [
        "A volcano forms where magma rises through cracks in the crust.",
        "When pressure builds, the volcano may erupt and pour lava down its slopes.",
        "Magma that reaches the surface is called lava, and it cools into basalt rock.",
        "An eruption can throw ash and volcanic bombs high into the air.",
        "The crater at the top of a volcano is the vent where magma escapes.",
        "Geologists measure small earthquakes to predict when a volcano will erupt.",
        "Pyroclastic flows of hot gas and ash race down the volcano during an eruption.",
        "A caldera forms when a volcano collapses after its magma chamber empties.",
    ],
    "photosynthesis": [
        "Plants make their own food through photosynthesis in their green leaves.",
        "Chlorophyll in the chloroplasts absorbs sunlight to power photosynthesis.",
        "During photosynthesis, carbon dioxide and water become glucose and oxygen.",
        "Leaves take in carbon dioxide through tiny pores called stomata.",
        "The oxygen released by photosynthesis is the oxygen that animals breathe.",
        "Glucose made in the leaves feeds the growth of roots, stems and flowers.",
        "Without sunlight the plant cannot carry out photosynthesis and slowly starves.",
        "Algae in the oceans carry out much of the photosynthesis on Earth.",
    ],
    "rome": [
        "The Roman Republic was ruled by two consuls and the senate.",
        "Julius Caesar crossed the Rubicon with his legion and started a civil war.",
        "Augustus became the first emperor of the Roman Empire.",
        "Roman engineers built aqueducts to bring water into the cities.",
        "Gladiators fought in the Colosseum to entertain the crowds of Rome.",
        "The forum was the centre of political life in ancient Rome.",
        "Roman legions built roads across the empire from Britain to Syria.",
        "Latin, the language of Rome, is the root of Italian, French and Spanish.",
    ],
}


def topic_text(topic: str, paragraphs: int, seed: int = 0) -> str:
    """Return `paragraphs` paragraphs of four shuffled sentences on `topic`, separated by blank lines."""
    generator = random.Random(f"{topic}-{seed}")
    sentences = TOPICS[topic]
    return "\n\n".join(" ".join(generator.sample(sentences, 4)) for _ in range(paragraphs))


def isolated_settings(folder: Path, **overrides: object) -> Settings:
    """Settings confined to `folder`, ignoring the developer's environment and config file."""
    values: dict[str, object] = {
        "db_path": folder / "data" / "docdesk.sqlite3",
        "log_dir": folder / "logs",
        "user_id": "tester",
        "extraction_workers": 1,
        "poll_seconds": 0.05,
    }
    values.update(overrides)
    return load_settings(values, environ={"DOCDESK_CONFIG": str(folder / "absent.toml")})


async def store_ready(
    db: aiosqlite.Connection,
    filename: str,
    texts: Sequence[str],
    *,
    pages: Sequence[tuple[int, int] | None] | None = None,
    model: str = FAKE_MODEL,
    mime: str = "text/plain",
    title: str | None = None,
    subject: str | None = None,
    grade: str | None = None,
) -> Document:
    """Insert a document and save it as ready through the store, with the fake server's vectors of `texts`.

    The store path (claim, then save in one transaction) is the one the worker uses,
    without extraction, so tests choose chunks, pages and model exactly.
    """
    new = NewDocument(
        user_id="tester", filename=filename, storage_path=f"/nonexistent/{filename}",
        content_hash=f"hash-of-{filename}", mime=mime, size=sum(len(t) for t in texts),
        title=title or Path(filename).stem, title_source="user" if title else "filename",
        subject=subject, grade=grade,
    )
    document, _ = await insert_document(db, new)
    claimed = await claim_next(db, "test-worker", 60_000)
    assert claimed is not None and claimed.id == document.id, "another queued document was claimed first"
    page_ranges = list(pages) if pages is not None else [None] * len(texts)
    chunks = []
    for ordinal, (text, page_range) in enumerate(zip(texts, page_ranges, strict=True)):
        first, last = page_range if page_range is not None else (None, None)
        chunks.append(Chunk(ordinal, text, first, last))
    vectors = [embed_text(text) for text in texts]
    result = ReadyResult(chunks, np.vstack(vectors), model, None, None)
    await save_ready(db, document.id, "test-worker", result)
    stored = await get_document(db, document.id)
    assert stored is not None
    return stored


async def store_queued(db: aiosqlite.Connection, filename: str) -> Document:
    """Insert a document that stays queued."""
    new = NewDocument(
        user_id="tester", filename=filename, storage_path=f"/nonexistent/{filename}",
        content_hash=f"hash-of-{filename}", mime="text/plain", size=1,
        title=Path(filename).stem, title_source="filename",
    )
    document, _ = await insert_document(db, new)
    return document


async def run_pipeline(
    settings: Settings,
    provider: EmbeddingProvider,
    files: Sequence[Path],
    metadata: Metadata | None = None,
) -> dict[str, Document]:
    """Add `files` and let a real Worker extract, chunk and embed them; return documents by file name."""
    db = await open_database(settings.resolved_db_path)
    try:
        for path in files:
            await add_file(
                db, path, storage_dir=settings.resolved_storage_dir, user_id="tester", metadata=metadata
            )
    finally:
        await db.close()
    await Worker(settings, provider).run(until_idle=True)
    db = await open_database(settings.resolved_db_path)
    try:
        return {d.filename: d for d in await list_documents(db)}
    finally:
        await db.close()


def write_topic_files(folder: Path, paragraphs: int = 12) -> list[Path]:
    """Write one text file per topic into `folder` and return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for topic in TOPICS:
        path = folder / f"{topic}.txt"
        path.write_text(topic_text(topic, paragraphs), encoding="utf-8")
        paths.append(path)
    return paths
