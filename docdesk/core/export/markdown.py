"""Markdown export of whole documents in reading order."""

from __future__ import annotations

import aiosqlite

from docdesk.core.models import Document
from docdesk.core.store.chunks import read_chunks


def document_heading(document: Document) -> str:
    details = [f"file: {document.filename}"]
    if document.subject:
        details.append(f"subject: {document.subject}")
    if document.grade:
        details.append(f"grade: {document.grade}")
    return f"## {document.title or document.filename}\n\n_{' · '.join(details)}_\n"


async def export_markdown(db: aiosqlite.Connection, documents: list[Document]) -> str:
    """Return every chunk of `documents`, each document under its own heading."""
    parts = ["# Tutor context\n"]
    for document in documents:
        parts.append(document_heading(document))
        for chunk in await read_chunks(db, document.id):
            parts.append(chunk.text.strip() + "\n")
    return "\n".join(parts)
