"""JSON rendering; docs/export.md documents the schema.

The object is indented, but each document, skipped document and chunk takes one
line: readable, and without the indentation of every key, which would cost tokens.
"""

from __future__ import annotations

import json
from typing import Any

from docdesk.core.export.citation import cite, display_title
from docdesk.core.export.request import TOKEN_ESTIMATE_RULE
from docdesk.core.export.result import DocumentCut, ExportResult, Passage, SkippedDocument
from docdesk.core.models import Document

SCHEMA_VERSION = 1
_ITEM_INDENT = "    "


def _dumps(value: Any) -> str:
    # ensure_ascii=False keeps non-ASCII text as is: a \uXXXX escape would cost 1.5 estimated tokens.
    return json.dumps(value, ensure_ascii=False)


def passage_object(document: Document, passage: Passage) -> dict[str, Any]:
    pages = passage.pages
    return {
        "doc_id": passage.doc_id,
        "ordinal": passage.ordinal,
        "pages": list(pages) if pages is not None else None,
        "score": round(passage.score, 4) if passage.score is not None else None,
        "truncated": passage.truncated,
        "citation": cite(document, passage),
        "text": passage.text,
    }


def passage_block(document: Document, passage: Passage) -> str:
    """Return the text one passage adds to the `chunks` array: its line and the separator before the next."""
    return _ITEM_INDENT + _dumps(passage_object(document, passage)) + ",\n"


def document_heading(document: Document) -> str:
    # Every document is listed in `documents` whether or not it has passages, so none adds text here.
    return ""


def _document_object(cut: DocumentCut) -> dict[str, Any]:
    document = cut.document
    return {
        "id": document.id,
        "title": display_title(document),
        "subject": document.subject,
        "grade": document.grade,
        "filename": document.filename,
        "mime": document.mime,
        "page_count": document.page_count,
        "chunks_kept": cut.kept,
        "chunks_total": cut.total,
        "truncated": cut.truncated,
    }


def _skipped_object(skipped: SkippedDocument) -> dict[str, Any]:
    document = skipped.document
    return {
        "id": document.id,
        "title": display_title(document),
        "filename": document.filename,
        "model": document.model,
        "reason": skipped.reason,
        "requeued": skipped.requeued,
    }


def _array(items: list[dict[str, Any]]) -> str:
    if not items:
        return "[]"
    lines = ",\n".join(_ITEM_INDENT + _dumps(item) for item in items)
    return f"[\n{lines}\n  ]"


def render_json(result: ExportResult, token_count: int) -> str:
    """Render `result` as one JSON object, stating `token_count` as the text's token estimate."""
    fields: list[tuple[str, str]] = [
        ("schema_version", _dumps(SCHEMA_VERSION)),
        ("query", _dumps(result.query)),
        ("model", _dumps(result.model)),
        ("max_tokens", _dumps(result.request.max_tokens)),
        ("token_count", _dumps(token_count)),
        ("token_estimate", _dumps(TOKEN_ESTIMATE_RULE)),
        ("documents", _array([_document_object(cut) for cut in result.cut])),
        ("skipped", _array([_skipped_object(skipped) for skipped in result.skipped])),
        ("chunks", _array([passage_object(result.document(p.doc_id), p) for p in result.passages])),
    ]
    body = ",\n".join(f"  {_dumps(name)}: {value}" for name, value in fields)
    return "{\n" + body + "\n}\n"
