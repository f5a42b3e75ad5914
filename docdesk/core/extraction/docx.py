"""Extract text from .docx files with python-docx, in document order."""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path
from typing import Any

import docx
from docx.document import Document
from docx.opc.exceptions import PackageNotFoundError
from docx.section import _Footer, _Header
from lxml import etree

from docdesk.core.errors import ExtractionError
from docdesk.core.extraction.reasons import short_reason
from docdesk.core.models import Extracted, Page

logger = logging.getLogger(__name__)

_NAMESPACES = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
}


def _tag(prefixed: str) -> str:
    prefix, local_name = prefixed.split(":")
    return f"{{{_NAMESPACES[prefix]}}}{local_name}"


_PARAGRAPH = _tag("w:p")
_TABLE = _tag("w:tbl")
_TABLE_ROW = _tag("w:tr")
_TABLE_CELL = _tag("w:tc")
# Content controls and custom XML wrap ordinary paragraphs and tables.
_BLOCK_WRAPPERS = {_tag("w:sdt"): _tag("w:sdtContent"), _tag("w:customXml"): None}

# Text-bearing children of runs, in document order. Runs under mc:Fallback repeat the
# mc:Choice content (text boxes saved twice for old Word versions), so they are skipped.
# Deleted text is stored as w:delText and field codes as w:instrText, so neither matches.
_RUN_CONTENT = etree.XPath(
    ".//w:r[not(ancestor::mc:Fallback)]"
    "/*[self::w:t or self::w:tab or self::w:br or self::w:cr or self::w:noBreakHyphen]",
    namespaces=_NAMESPACES,
)
_RUN_CONTENT_TEXT = {
    _tag("w:tab"): "\t",
    _tag("w:br"): "\n",
    _tag("w:cr"): "\n",
    _tag("w:noBreakHyphen"): "-",
}


def extract_docx(path: Path) -> Extracted:
    """Extract body text, with tables in place, plus header and footer text.

    Each distinct header or footer text appears once: headers before the body, footers
    after it. The result is one page without a page number, titled by the core
    properties. Raises ExtractionError when the file cannot be opened as a Word document.
    """
    try:
        document = docx.Document(str(path))
        text = _document_text(document)
        title = document.core_properties.title
    except (ExtractionError, MemoryError):
        raise
    except (PackageNotFoundError, zipfile.BadZipFile) as exc:
        raise ExtractionError(f"damaged DOCX: {short_reason(exc)}") from exc
    except Exception as exc:
        # python-docx and lxml raise KeyError, ValueError, XMLSyntaxError and others
        # on malformed parts.
        logger.warning("python-docx failed on %s", path.name, exc_info=True)
        raise ExtractionError(f"damaged DOCX: {short_reason(exc)}") from exc

    return Extracted(pages=[Page(number=None, text=text)], title=title.strip() or None)


def _document_text(document: Document) -> str:
    headers, footers = _header_footer_blocks(document)
    body = _blocks(document.element.body)
    return "\n\n".join(headers + body + footers)


def _blocks(container: Any) -> list[str]:
    """Return the non-empty texts of paragraphs and tables directly inside `container`."""
    blocks: list[str] = []
    for child in container.iterchildren():
        if child.tag == _PARAGRAPH:
            text = _paragraph_text(child)
        elif child.tag == _TABLE:
            text = _table_text(child)
        elif child.tag in _BLOCK_WRAPPERS:
            content_tag = _BLOCK_WRAPPERS[child.tag]
            inner = child.find(content_tag) if content_tag else child
            if inner is not None:
                blocks.extend(_blocks(inner))
            continue
        else:
            continue
        if text.strip():
            blocks.append(text)
    return blocks


def _paragraph_text(paragraph: Any) -> str:
    parts = [_RUN_CONTENT_TEXT.get(node.tag, node.text or "") for node in _RUN_CONTENT(paragraph)]
    return "".join(parts)


def _table_text(table: Any) -> str:
    """Return one line per row, with non-empty cells separated by " | "."""
    rows: list[str] = []
    for row in table.iterchildren(_TABLE_ROW):
        cells: list[str] = []
        for cell in row.iterchildren(_TABLE_CELL):
            # Flatten each cell, nested tables included, so that a row stays one line.
            cell_text = " ".join(" ".join(block.split()) for block in _blocks(cell))
            if cell_text:
                cells.append(cell_text)
        if cells:
            rows.append(" | ".join(cells))
    return "\n".join(rows)


def _header_footer_blocks(document: Document) -> tuple[list[str], list[str]]:
    """Return the texts of headers and of footers that Word would display.

    A header or footer linked to the previous section has no content of its own, and a
    text already seen in another section is skipped, so each text appears once.
    """
    even_pages_differ = document.settings.odd_and_even_pages_header_footer
    seen: set[str] = set()
    headers: list[str] = []
    footers: list[str] = []
    for section in document.sections:
        section_headers: list[_Header] = [section.header]
        section_footers: list[_Footer] = [section.footer]
        if section.different_first_page_header_footer:
            section_headers.append(section.first_page_header)
            section_footers.append(section.first_page_footer)
        if even_pages_differ:
            section_headers.append(section.even_page_header)
            section_footers.append(section.even_page_footer)
        headers.extend(_distinct_blocks(section_headers, seen))
        footers.extend(_distinct_blocks(section_footers, seen))
    return headers, footers


def _distinct_blocks(parts: list[_Header] | list[_Footer], seen: set[str]) -> list[str]:
    blocks: list[str] = []
    for part in parts:
        # A linked header has no definition of its own, and reading its `.part` would
        # return the previous section's definition or add an empty one.
        if part.is_linked_to_previous:
            continue
        text = "\n\n".join(_blocks(part.part.element))
        if text and text not in seen:
            seen.add(text)
            blocks.append(text)
    return blocks
