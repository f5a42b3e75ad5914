"""Markdown rendering: a summary, then a heading per document with its cited passages.

The text is the header followed by each document's block and each passage's block,
joined without separators, so the planner can price every block on its own.
"""

from __future__ import annotations

import aiosqlite

from docdesk.core.export.citation import cite, display_title
from docdesk.core.export.errors import ExportSelectionError
from docdesk.core.export.request import TOKEN_ESTIMATE_RULE
from docdesk.core.export.result import DocumentCut, ExportResult, Passage, SkippedDocument
from docdesk.core.models import Document

TRUNCATION_MARK = " [...]"


def document_heading(document: Document) -> str:
    """Return the block that opens a document's passages: its title, then subject, grade and file."""
    details: list[str] = []
    if document.subject:
        details.append(f"subject: {document.subject}")
    if document.grade:
        details.append(f"grade: {document.grade}")
    details.append(f"file: {document.filename}")
    return f"\n## {display_title(document)}\n\n_{'; '.join(details)}_\n"


def passage_block(document: Document, passage: Passage) -> str:
    text = passage.text + (TRUNCATION_MARK if passage.truncated else "")
    return f"\n_Source: {cite(document, passage)}_\n\n{text}\n"


def _cut_line(cut: DocumentCut) -> str:
    document = cut.document
    line = f"- {display_title(document)} ({document.filename}): {cut.kept} of {cut.total} chunks"
    if cut.truncated:
        line += ", the last one cut short"
    return line + "\n"


def _skipped_line(skipped: SkippedDocument) -> str:
    document = skipped.document
    return f"- {display_title(document)} ({document.filename}): {skipped.reason}\n"


def header(result: ExportResult, token_count: int) -> str:
    """Return the summary above the passages: query, model, token use, cut report and skipped documents."""
    lines = ["# Tutor context\n", "\n"]
    if result.query is not None:
        lines.append(f"Query: {result.query}\n\n")
        lines.append(f"Ranked by cosine similarity with model {result.model}.\n\n")
    lines.append(
        f"Tokens: {token_count} of {result.request.max_tokens}, estimated as {TOKEN_ESTIMATE_RULE}.\n\n"
    )
    lines.append("Chunks kept per document:\n\n")
    lines.extend(_cut_line(cut) for cut in result.cut)
    if result.skipped:
        lines.append("\nSkipped documents:\n\n")
        lines.extend(_skipped_line(skipped) for skipped in result.skipped)
    return "".join(lines)


def render_markdown(result: ExportResult, token_count: int) -> str:
    """Render `result` as Markdown, stating `token_count` as the text's token estimate."""
    parts = [header(result, token_count)]
    current: str | None = None
    for passage in result.passages:
        document = result.document(passage.doc_id)
        if passage.doc_id != current:
            parts.append(document_heading(document))
            current = passage.doc_id
        parts.append(passage_block(document, passage))
    return "".join(parts)


async def export_markdown(db: aiosqlite.Connection, documents: list[Document]) -> str:
    """Return `documents` as Markdown tutor context within the default token budget.

    Kept for callers written before build_export; new code calls build_export directly.
    """
    # Imported here because build imports this module.
    from docdesk.core.export.build import build_export
    from docdesk.core.export.request import ExportRequest

    if not documents:
        # An empty id list would mean "every ready document" to build_export.
        raise ExportSelectionError("no documents to export; choose at least one ready document")
    request = ExportRequest(doc_ids=tuple(document.id for document in documents))
    return (await build_export(db, None, request)).text
