"""Splitting selected documents by the model of their vectors, and re-queueing the others."""

from __future__ import annotations

from dataclasses import dataclass, replace

import aiosqlite
import numpy as np
import numpy.typing as npt

from docdesk.core.export.result import SkippedDocument
from docdesk.core.models import Document
from docdesk.core.store.chunks import read_vectors
from docdesk.core.store.documents import requeue


@dataclass(frozen=True, slots=True)
class ModelVectors:
    """The vectors of one model for the documents that have them, and the documents that do not."""

    documents: list[Document]
    keys: list[tuple[str, int]]
    matrix: npt.NDArray[np.float32]
    skipped: list[SkippedDocument]


async def vectors_of_model(db: aiosqlite.Connection, documents: list[Document], model: str) -> ModelVectors:
    """Read the vectors of `model` as one matrix; documents embedded with another model are skipped, never mixed in."""
    same_model = [d for d in documents if d.model == model]
    skipped = [
        SkippedDocument(d, f"embedded with model {d.model or 'unknown'}, not {model}")
        for d in documents
        if d.model != model
    ]
    keys, matrix = await read_vectors(db, [d.id for d in same_model], model)
    with_vectors = {doc_id for doc_id, _ in keys}
    skipped.extend(
        SkippedDocument(d, f"has no stored vectors of model {model}") for d in same_model if d.id not in with_vectors
    )
    kept = [d for d in same_model if d.id in with_vectors]
    return ModelVectors(kept, keys, matrix, skipped)


async def requeue_skipped(
    db: aiosqlite.Connection, skipped: list[SkippedDocument], model: str
) -> list[SkippedDocument]:
    """Queue the skipped documents again, so the worker embeds them with the current provider's `model`."""
    await requeue(db, [s.document.id for s in skipped])
    return [replace(s, reason=f"{s.reason}; re-queued to be embedded with {model}", requeued=True) for s in skipped]
