"""Extract plain text and Markdown files, detecting their encoding."""

from __future__ import annotations

import codecs
import logging
from pathlib import Path

from docdesk.core.errors import ExtractionError
from docdesk.core.intake.filetypes import looks_binary
from docdesk.core.models import Extracted, Page

logger = logging.getLogger(__name__)

# UTF-32 BOMs come before UTF-16 ones because the UTF-16 LE BOM is a prefix of UTF-32 LE.
# Each codec named here removes its own BOM while decoding.
_BOM_CODECS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)

# Tried in order on files without a BOM. cp1252 leaves five bytes undefined, so latin-1,
# which maps every byte, is the last resort.
_FALLBACK_CODECS = ("utf-8", "cp1252", "latin-1")


def extract_text_file(path: Path) -> Extracted:
    """Read a .txt or .md file as one page without a page number.

    Raises ExtractionError when the bytes look binary or cannot be decoded.
    """
    data = path.read_bytes()
    if looks_binary(data):
        raise ExtractionError("file looks binary, not text")

    text = decode_text(data)
    return Extracted(pages=[Page(number=None, text=text)])


def decode_text(data: bytes) -> str:
    """Decode bytes by their BOM, else as strict UTF-8, else as cp1252, else as latin-1."""
    for bom, codec, encoding_name in _BOM_CODECS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise ExtractionError(f"invalid {encoding_name} text after the byte order mark") from exc

    for codec in _FALLBACK_CODECS:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if codec != "utf-8":
            logger.info("Text is not valid UTF-8, so it was decoded as %s", codec)
        return text

    raise AssertionError("latin-1 decodes every byte string")
