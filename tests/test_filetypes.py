"""Content sniffing at intake: supported types pass, disguised or broken files are rejected."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from docdesk.core.errors import RejectedFileError
from docdesk.core.intake.filetypes import (
    MIME_DOCX,
    MIME_MARKDOWN,
    MIME_PDF,
    MIME_TEXT,
    OLE2_MAGIC,
    detect_mime,
    looks_binary,
)


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _rejection(path: Path) -> str:
    with pytest.raises(RejectedFileError) as caught:
        detect_mime(path)
    return str(caught.value)


@pytest.mark.parametrize(
    ("relative_path", "expected"),
    [
        ("pdf/google-doc-document.pdf", MIME_PDF),
        ("pdf/libreoffice-writer-password.pdf", MIME_PDF),
        ("pdf/imagemagick-lzw.pdf", MIME_PDF),
        ("docx/blk-paras-and-tables.docx", MIME_DOCX),
        ("docx/having-images.docx", MIME_DOCX),
        ("multicolumn-lorem-ipsum.txt", MIME_TEXT),
    ],
)
def test_corpus_file_types(corpus: Path, relative_path: str, expected: str) -> None:
    assert detect_mime(corpus / relative_path) == expected


def test_markdown(tmp_path: Path) -> None:
    path = _write(tmp_path, "notes.md", b"# Title\n\nSome *text*.\n")
    assert detect_mime(path) == MIME_MARKDOWN


def test_extension_case_ignored(tmp_path: Path) -> None:
    path = _write(tmp_path, "REPORT.PDF", b"%PDF-1.7\n%%EOF\n")
    assert detect_mime(path) == MIME_PDF


def test_unsupported_extension(tmp_path: Path) -> None:
    message = _rejection(_write(tmp_path, "report.doc", OLE2_MAGIC + b"\x00" * 100))
    assert message == "report.doc: unsupported file type; docdesk takes .pdf, .docx, .txt and .md"


def test_no_extension(tmp_path: Path) -> None:
    message = _rejection(_write(tmp_path, "README", b"text"))
    assert "unsupported file type" in message


def test_pdf_without_header(tmp_path: Path) -> None:
    message = _rejection(_write(tmp_path, "fake.pdf", b"<html>not a pdf</html>"))
    assert message.startswith("fake.pdf is not a valid PDF")


def test_pdf_header_after_junk(tmp_path: Path) -> None:
    path = _write(tmp_path, "prefixed.pdf", b"\x00" * 500 + b"%PDF-1.4\n")
    assert detect_mime(path) == MIME_PDF


def test_pdf_header_past_window(tmp_path: Path) -> None:
    message = _rejection(_write(tmp_path, "late.pdf", b" " * 2000 + b"%PDF-1.4\n"))
    assert "not a valid PDF" in message


def test_old_word_renamed_docx(tmp_path: Path) -> None:
    message = _rejection(_write(tmp_path, "old.docx", OLE2_MAGIC + b"\x00" * 4096))
    assert message == (
        "old.docx is an old binary Word file (.doc); open it in Word or LibreOffice and save it as .docx"
    )


def test_corrupt_zip_docx(corpus: Path, tmp_path: Path) -> None:
    data = (corpus / "docx" / "par-hyperlinks.docx").read_bytes()
    message = _rejection(_write(tmp_path, "cut.docx", data[: len(data) // 2]))
    assert "cut.docx is not a valid .docx (damaged zip)" in message


def test_zip_without_document_xml(tmp_path: Path) -> None:
    path = tmp_path / "sheet.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert "no word/document.xml" in _rejection(path)


def test_binary_txt(tmp_path: Path) -> None:
    message = _rejection(_write(tmp_path, "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
    assert message.startswith("image.txt looks binary, not text")


def test_control_heavy_txt(tmp_path: Path) -> None:
    message = _rejection(_write(tmp_path, "noise.txt", b"\x01\x02\x03abc" * 100))
    assert "looks binary, not text" in message


def test_utf16_txt_with_bom(tmp_path: Path) -> None:
    path = _write(tmp_path, "wide.txt", "Grüße aus Köln\n".encode("utf-16"))
    assert detect_mime(path) == MIME_TEXT


def test_cp1252_txt(tmp_path: Path) -> None:
    path = _write(tmp_path, "legacy.txt", "Café – “quoted”\n".encode("cp1252"))
    assert detect_mime(path) == MIME_TEXT


@pytest.mark.parametrize("name", ["empty.pdf", "empty.docx", "empty.txt", "empty.md"])
def test_empty_file_allowed(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path, name, b"")
    assert detect_mime(path) in (MIME_PDF, MIME_DOCX, MIME_TEXT, MIME_MARKDOWN)


def test_missing_file(tmp_path: Path) -> None:
    message = _rejection(tmp_path / "gone.pdf")
    assert message.startswith("gone.pdf: cannot be read")


def test_messages_are_one_line(tmp_path: Path) -> None:
    paths = [
        _write(tmp_path, "a.doc", b"x"),
        _write(tmp_path, "b.pdf", b"x"),
        _write(tmp_path, "c.docx", OLE2_MAGIC),
        _write(tmp_path, "d.docx", b"PK\x03\x04broken"),
        _write(tmp_path, "e.txt", b"\x00\x01"),
    ]
    for path in paths:
        assert "\n" not in _rejection(path), path.name


def test_looks_binary_cases() -> None:
    assert looks_binary(b"plain text\twith tabs\r\n") is False
    assert looks_binary(b"nul\x00inside") is True
    assert looks_binary("utf-16 text".encode("utf-16")) is False
    assert looks_binary(b"") is False
