"""Pick the extractor for a MIME type and normalise what it returns."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from docdesk.core.errors import ExtractionError
from docdesk.core.extraction.docx import extract_docx
from docdesk.core.extraction.normalize import normalize_text, unwrap_lines
from docdesk.core.extraction.pdf import extract_pdf
from docdesk.core.extraction.reasons import EMPTY_FILE, NO_TEXT, NO_TEXT_SCANNED
from docdesk.core.extraction.text import extract_text_file
from docdesk.core.intake.filetypes import MIME_DOCX, MIME_MARKDOWN, MIME_PDF, MIME_TEXT
from docdesk.core.models import Extracted, Page

logger = logging.getLogger(__name__)

_EXTRACTORS: dict[str, Callable[[Path], Extracted]] = {
    MIME_PDF: extract_pdf,
    MIME_DOCX: extract_docx,
    MIME_TEXT: extract_text_file,
    MIME_MARKDOWN: extract_text_file,
}


def extract_file(path: Path, mime: str) -> Extracted:
    """Extract and normalise the text of a file whose MIME type intake detected.

    Runs synchronously in the calling process. Pages keep their numbers, and pages left
    empty after normalisation stay in the list. PDF pages also have their lines joined,
    because a PDF line break marks the layout's wrapping, not the author's.

    Raises ExtractionError with a one-line reason when the file cannot be read, cannot be
    parsed or has no text at all.
    """
    extractor = _EXTRACTORS.get(mime)
    if extractor is None:
        raise ExtractionError(f"unsupported MIME type {mime!r}")

    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ExtractionError(f"cannot read the file: {exc.strerror or exc}") from exc
    if size == 0:
        raise ExtractionError(EMPTY_FILE)

    try:
        raw = extractor(path)
    except OSError as exc:
        raise ExtractionError(f"cannot read the file: {exc.strerror or exc}") from exc

    pages = [Page(number=page.number, text=_normalize_page(page.text, mime)) for page in raw.pages]
    if not any(page.text for page in pages):
        raise ExtractionError(NO_TEXT_SCANNED if mime == MIME_PDF else NO_TEXT)

    logger.debug("Extracted %d pages from %s", len(pages), path.name)
    return Extracted(pages=pages, title=_normalize_title(raw.title))


def _normalize_page(text: str, mime: str) -> str:
    text = normalize_text(text)
    # PDF line breaks come from the layout, not the author, so they would split phrases.
    if mime == MIME_PDF:
        text = unwrap_lines(text)
    return text


def _normalize_title(title: str | None) -> str | None:
    if title is None:
        return None
    return " ".join(normalize_text(title).split()) or None
