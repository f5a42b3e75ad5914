"""The source line every exported passage carries: title, file name, PDF pages and score."""

from __future__ import annotations

from docdesk.core.export.result import Passage
from docdesk.core.models import Document


def display_title(document: Document) -> str:
    return document.title or document.filename


def page_label(passage: Passage) -> str | None:
    """Return "page 3" or "pages 3-4" for a PDF passage, None for formats without pages."""
    pages = passage.pages
    if pages is None:
        return None
    first, last = pages
    return f"page {first}" if first == last else f"pages {first}-{last}"


def cite(document: Document, passage: Passage) -> str:
    """Return the passage's citation, e.g. "Biology 101, bio.pdf, pages 3-4, score 0.8125"."""
    # ASCII separators on purpose: each non-ASCII character costs a whole token in the estimate.
    parts = [display_title(document), document.filename]
    pages = page_label(passage)
    if pages is not None:
        parts.append(pages)
    if passage.score is not None:
        parts.append(f"score {passage.score:.4f}")
    if passage.truncated:
        parts.append("cut short")
    return ", ".join(parts)
