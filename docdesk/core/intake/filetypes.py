"""Detect a file's MIME type from its extension and a look at its content.

Intake must return at once, so PDF and text checks read only a short prefix. A DOCX check
opens the zip's central directory, which is at the end of the file, not the whole archive.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from docdesk.core.errors import RejectedFileError

MIME_PDF = "application/pdf"
MIME_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MIME_TEXT = "text/plain"
MIME_MARKDOWN = "text/markdown"

MIME_BY_EXTENSION = {
    ".pdf": MIME_PDF,
    ".docx": MIME_DOCX,
    ".txt": MIME_TEXT,
    ".md": MIME_MARKDOWN,
}

# Some writers put junk before the header, and readers commonly accept the header anywhere
# in the first 1024 bytes.
PDF_HEADER_WINDOW = 1024
TEXT_SAMPLE_BYTES = 8192

# Compound File Binary (OLE2) signature, the container of Word 97-2003 .doc files.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# UTF-32 BOMs come first because the UTF-16 LE BOM is a prefix of the UTF-32 LE one.
WIDE_TEXT_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff", b"\xff\xfe", b"\xfe\xff")

# C0 control bytes other than tab, line feed, vertical tab, form feed and carriage return,
# which occur in real text.
BINARY_CONTROL_BYTES = bytes(b for b in range(0x20) if b not in b"\t\n\x0b\x0c\r")
MAX_CONTROL_SHARE = 0.10


def detect_mime(path: Path) -> str:
    """Return the MIME type of a supported file, checked against its content.

    Raises RejectedFileError with a one-line message that names the file and what to do.
    Empty files pass, because extraction reports them later with its own reason.
    """
    mime = MIME_BY_EXTENSION.get(path.suffix.lower())
    if mime is None:
        raise RejectedFileError(f"{path.name}: unsupported file type; docdesk takes .pdf, .docx, .txt and .md")

    try:
        if mime == MIME_PDF:
            _check_pdf(path)
        elif mime == MIME_DOCX:
            _check_docx(path)
        else:
            _check_text(path)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise RejectedFileError(f"{path.name}: cannot be read ({reason})") from exc
    return mime


def looks_binary(data: bytes) -> bool:
    """Return True when bytes without a UTF-16/32 BOM look like binary data, not text.

    Binary means a NUL byte, or more than 10 % C0 control bytes other than whitespace.
    """
    if data.startswith(WIDE_TEXT_BOMS):
        return False
    if b"\x00" in data:
        return True
    if not data:
        return False

    control_count = len(data) - len(data.translate(None, BINARY_CONTROL_BYTES))
    return control_count / len(data) > MAX_CONTROL_SHARE


def _check_pdf(path: Path) -> None:
    prefix = _read_prefix(path, PDF_HEADER_WINDOW)
    if prefix and b"%PDF-" not in prefix:
        raise RejectedFileError(f"{path.name} is not a valid PDF (no %PDF- header); export or save it as PDF again")


def _check_docx(path: Path) -> None:
    prefix = _read_prefix(path, len(OLE2_MAGIC))
    if not prefix:
        return
    if prefix == OLE2_MAGIC:
        raise RejectedFileError(
            f"{path.name} is an old binary Word file (.doc); open it in Word or LibreOffice and save it as .docx"
        )

    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile as exc:
        raise RejectedFileError(f"{path.name} is not a valid .docx (damaged zip); save it again as .docx") from exc
    if "word/document.xml" not in names:
        raise RejectedFileError(
            f"{path.name} is not a valid .docx (no word/document.xml); save it again as a Word document (.docx)"
        )


def _check_text(path: Path) -> None:
    if looks_binary(_read_prefix(path, TEXT_SAMPLE_BYTES)):
        raise RejectedFileError(f"{path.name} looks binary, not text; docdesk takes plain text in .txt and .md files")


def _read_prefix(path: Path, size: int) -> bytes:
    with path.open("rb") as file:
        return file.read(size)
