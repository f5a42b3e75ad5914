"""The benchmark corpus: generated text documents plus the real files of the shared corpus.

Generated documents are deterministic and distinct: every paragraph names its
document and position, so no two chunks share a text and the embedding cache
never hides a request. Paragraphs are about 75 estimated tokens, so the chunker
packs them into chunks just under the 700-token default.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from docdesk.core.errors import RejectedFileError
from docdesk.core.intake.add import add_file
from docdesk.core.intake.filetypes import MIME_BY_EXTENSION

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_CORPUS = REPO_ROOT.parent / "shared" / "corpus"

_WORDS = (
    "energy", "cell", "river", "equation", "poem", "empire", "magnet", "glacier", "enzyme", "vote",
    "orbit", "fraction", "volcano", "protein", "climate", "verse", "market", "atom", "forest", "theorem",
    "student", "teacher", "example", "model", "pattern", "record", "source", "measure", "reason", "change",
)
# About 300 characters, which the token estimate counts as about 75 tokens.
_PARAGRAPH_WORDS = 42


@dataclass(frozen=True, slots=True)
class CorpusSpec:
    """How many generated documents of each size; chunk counts assume 700-token chunks."""

    small_documents: int = 900
    large_documents: int = 100
    small_paragraphs: tuple[int, int] = (3, 27)  # up to three chunks
    large_paragraphs: tuple[int, int] = (180, 540)  # 20 to 60 chunks
    include_shared: bool = True
    seed: int = 1

    @property
    def documents(self) -> int:
        return self.small_documents + self.large_documents


def paragraph(doc: int, index: int, rng: random.Random) -> str:
    """Return one distinct paragraph of document `doc`."""
    words = " ".join(rng.choice(_WORDS) for _ in range(_PARAGRAPH_WORDS))
    return f"Document {doc} paragraph {index}: {words}."


def document_text(doc: int, paragraphs: int, rng: random.Random) -> str:
    return "\n\n".join(paragraph(doc, index, rng) for index in range(paragraphs))


def write_corpus(spec: CorpusSpec, folder: Path) -> list[Path]:
    """Write the generated documents into `folder` (large ones spread evenly) and return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(spec.seed)
    paths: list[Path] = []
    # Every n-th document is large, so large ones arrive throughout the run, not in one block.
    stride = max(1, spec.documents // max(1, spec.large_documents))
    large_left = spec.large_documents
    for doc in range(spec.documents):
        is_large = large_left > 0 and doc % stride == stride - 1
        if is_large:
            large_left -= 1
        low, high = spec.large_paragraphs if is_large else spec.small_paragraphs
        suffix = ".md" if doc % 5 == 0 else ".txt"
        path = folder / f"doc-{doc:05d}{suffix}"
        path.write_text(document_text(doc, rng.randint(low, high), rng), encoding="utf-8")
        paths.append(path)
    return paths


def shared_files() -> list[Path]:
    """List the real PDF, DOCX and text files of the shared corpus, or none when it is absent."""
    if not SHARED_CORPUS.is_dir():
        return []
    files = SHARED_CORPUS.rglob("*")
    return sorted(p for p in files if p.suffix.lower() in MIME_BY_EXTENSION and p.name != "README.md")


async def add_corpus(db: aiosqlite.Connection, paths: list[Path], storage_dir: Path) -> int:
    """Queue every file and return how many were added. A file that intake rejects is skipped."""
    added = 0
    for path in paths:
        try:
            result = await add_file(db, path, storage_dir=storage_dir, user_id="bench")
        except RejectedFileError:
            continue
        added += int(result.created)
    return added
