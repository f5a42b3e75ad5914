"""extract_file on the real corpus and on broken or unusual files built here."""

from __future__ import annotations

import codecs
import io
import logging
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.section import WD_SECTION
from pypdf import PdfReader, PdfWriter

from docdesk.core.errors import ExtractionError
from docdesk.core.extraction import extract_file
from docdesk.core.intake.filetypes import (
    MIME_DOCX,
    MIME_MARKDOWN,
    MIME_PDF,
    MIME_TEXT,
    OLE2_MAGIC,
)
from docdesk.core.models import Extracted

REPO_ROOT = Path(__file__).resolve().parents[1]

MIME_BY_SUFFIX = {".pdf": MIME_PDF, ".docx": MIME_DOCX, ".txt": MIME_TEXT, ".md": MIME_MARKDOWN}


def _extract(path: Path) -> Extracted:
    return extract_file(path, MIME_BY_SUFFIX[path.suffix])


def _full_text(extracted: Extracted) -> str:
    return "\n\n".join(page.text for page in extracted.pages)


def _error(path: Path, mime: str | None = None) -> str:
    with pytest.raises(ExtractionError) as caught:
        extract_file(path, mime or MIME_BY_SUFFIX[path.suffix])
    return str(caught.value)


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def geotopo() -> Extracted:
    corpus = REPO_ROOT.parent / "shared" / "corpus"
    return extract_file(corpus / "pdf" / "GeoTopo-komprimiert.pdf", MIME_PDF)


# --- the corpus ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relative_path", "snippet"),
    [
        ("pdf/google-doc-document.pdf", "Beautiful is better than ugly."),
        ("pdf/pdflatex-4-pages.pdf", "Hello, here is some text without a meaning."),
        ("pdf/multicolumn.pdf", "Two-Column Document with Lorem Ipsum"),
        ("pdf/crazyones-pdfa.pdf", "The Crazy Ones"),
        ("pdf/habibi.pdf", "habibi"),
        ("pdf/habibi.pdf", "حَبيبي"),
        ("pdf/r6-empty-password.pdf", "pdf encryption test"),
        ("pdf/issue-297.pdf", "test example"),
        ("multicolumn-lorem-ipsum.txt", "Two-Column Document with Lorem Ipsum"),
        ("docx/blk-paras-and-tables.docx", "Text before"),
        ("docx/hdr-header-footer.docx", "section with header"),
        ("docx/par-hyperlinks.docx", "awesome hyperlink"),
    ],
)
def test_corpus_text(corpus: Path, relative_path: str, snippet: str) -> None:
    assert snippet in _full_text(_extract(corpus / relative_path))


@pytest.mark.parametrize(
    ("relative_path", "reason"),
    [
        ("pdf/imagemagick-lzw.pdf", "no extractable text (scanned? OCR is not supported)"),
        (
            "pdf/libreoffice-writer-password.pdf",
            "password-protected PDF; remove the password and add it again",
        ),
        ("docx/tbl-having-tables.docx", "no extractable text"),
        ("docx/having-images.docx", "no extractable text"),
    ],
)
def test_corpus_errors(corpus: Path, relative_path: str, reason: str) -> None:
    assert _error(corpus / relative_path) == reason


def test_pdflatex_page_numbers(corpus: Path) -> None:
    extracted = _extract(corpus / "pdf" / "pdflatex-4-pages.pdf")
    assert [page.number for page in extracted.pages] == [1, 2, 3, 4]
    for page in extracted.pages:
        assert page.text.strip(), f"page {page.number} is empty"


def test_multicolumn_pages(corpus: Path) -> None:
    extracted = _extract(corpus / "pdf" / "multicolumn.pdf")
    assert [page.number for page in extracted.pages] == [1, 2, 3]


def test_docx_single_page(corpus: Path) -> None:
    extracted = _extract(corpus / "docx" / "par-hyperlinks.docx")
    assert [page.number for page in extracted.pages] == [None]


def test_text_single_page(corpus: Path) -> None:
    extracted = _extract(corpus / "multicolumn-lorem-ipsum.txt")
    assert [page.number for page in extracted.pages] == [None]


def test_geotopo_title_text(geotopo: Extracted) -> None:
    assert "Einführung in die Geometrie und Topologie" in geotopo.pages[0].text


def test_geotopo_ligature_normalised(geotopo: Extracted) -> None:
    text = _full_text(geotopo)
    assert "Auflage" in text
    assert "ﬂ" not in text


def test_geotopo_page_count(geotopo: Extracted) -> None:
    assert len(geotopo.pages) == 117


@pytest.mark.parametrize(
    ("relative_path", "title"),
    [
        ("pdf/google-doc-document.pdf", "PDF Example Document"),
        ("pdf/habibi.pdf", "habibi"),
        ("pdf/crazyones-pdfa.pdf", None),
        ("pdf/issue-297.pdf", None),
        ("docx/par-hyperlinks.docx", None),
    ],
)
def test_corpus_titles(corpus: Path, relative_path: str, title: str | None) -> None:
    assert _extract(corpus / relative_path).title == title


def test_geotopo_title(geotopo: Extracted) -> None:
    assert geotopo.title == "Geometrie und Topologie"


def test_docx_interleaved_order(corpus: Path) -> None:
    text = _full_text(_extract(corpus / "docx" / "blk-paras-and-tables.docx"))
    positions = [
        text.index("Lorem ipsum dolor sit amet"),
        text.index("Text before"),
        text.index("Table"),
        text.index("Text after"),
        text.index("Donec semper facilisis"),
    ]
    assert positions == sorted(positions)


def test_docx_header_footer_once(corpus: Path) -> None:
    text = _full_text(_extract(corpus / "docx" / "hdr-header-footer.docx"))
    assert text.count("Header for section-1") == 1
    assert text.count("Footer for section 1") == 1


def test_docx_hyperlink_in_sentence(corpus: Path) -> None:
    text = _full_text(_extract(corpus / "docx" / "par-hyperlinks.docx"))
    assert "One awesome hyperlink." in text


# --- DOCX files built here ----------------------------------------------------------------


def _built_docx(tmp_path: Path) -> Path:
    document = docx.Document()
    document.core_properties.title = "  Built title  "
    document.sections[0].header.paragraphs[0].text = "Shared header"
    document.sections[0].footer.paragraphs[0].text = "Page footer"
    document.add_paragraph("First paragraph.")

    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Name"
    table.cell(0, 1).text = "Value"
    table.cell(1, 0).text = "Speed"
    nested = table.cell(1, 1).add_table(rows=1, cols=1)
    nested.cell(0, 0).text = "Nested cell"

    document.add_paragraph("Last paragraph.")

    # A second section whose header is linked to the first, and a third with its own
    # header definition repeating the same text.
    document.add_section(WD_SECTION.NEW_PAGE)
    document.add_paragraph("Second section.")
    third = document.add_section(WD_SECTION.NEW_PAGE)
    third.header.is_linked_to_previous = False
    third.header.paragraphs[0].text = "Shared header"
    document.add_paragraph("Third section.")

    path = tmp_path / "built.docx"
    document.save(str(path))
    return path


def test_built_docx_order(tmp_path: Path) -> None:
    text = _full_text(_extract(_built_docx(tmp_path)))
    positions = [
        text.index("Shared header"),
        text.index("First paragraph."),
        text.index("Name | Value"),
        text.index("Nested cell"),
        text.index("Last paragraph."),
        text.index("Third section."),
        text.index("Page footer"),
    ]
    assert positions == sorted(positions)


def test_built_docx_table_rows(tmp_path: Path) -> None:
    text = _full_text(_extract(_built_docx(tmp_path)))
    assert "Name | Value\nSpeed | Nested cell" in text


def test_built_docx_header_once(tmp_path: Path) -> None:
    text = _full_text(_extract(_built_docx(tmp_path)))
    assert text.count("Shared header") == 1


def test_built_docx_title(tmp_path: Path) -> None:
    assert _extract(_built_docx(tmp_path)).title == "Built title"


def test_docx_old_word_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "old.docx", OLE2_MAGIC + b"\x00" * 4096)
    assert _error(path).startswith("damaged DOCX:")


def test_docx_corrupt_zip(corpus: Path, tmp_path: Path) -> None:
    data = (corpus / "docx" / "par-hyperlinks.docx").read_bytes()
    path = _write(tmp_path, "cut.docx", data[: len(data) // 2])
    assert _error(path).startswith("damaged DOCX:")


def test_docx_broken_xml(corpus: Path, tmp_path: Path) -> None:
    source = zipfile.ZipFile(corpus / "docx" / "par-hyperlinks.docx")
    path = tmp_path / "broken-xml.docx"
    with source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/document.xml":
                data = data[: len(data) // 2]
            target.writestr(item, data)
    message = _error(path)
    assert message.startswith("damaged DOCX:")
    assert "\n" not in message


# --- PDF files built here -------------------------------------------------------------------


def test_pdf_truncated(corpus: Path, tmp_path: Path) -> None:
    data = (corpus / "pdf" / "pdflatex-4-pages.pdf").read_bytes()
    message = _error(_write(tmp_path, "cut.pdf", data[: len(data) // 2]))
    assert message.startswith("damaged PDF: ")
    assert "\n" not in message
    assert "Traceback" not in message


def test_pdf_junk_after_eof(corpus: Path, tmp_path: Path) -> None:
    source = corpus / "pdf" / "pdflatex-4-pages.pdf"
    path = _write(tmp_path, "junk.pdf", source.read_bytes() + b"\x00garbage\xff" * 500)
    assert _extract(path).pages == _extract(source).pages


def test_pdf_not_a_pdf(tmp_path: Path) -> None:
    message = _error(_write(tmp_path, "fake.pdf", b"hello, I am plain text"))
    assert message.startswith("damaged PDF: ")


def test_pdf_blank_page_kept(corpus: Path, tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_page(PdfReader(corpus / "pdf" / "google-doc-document.pdf").pages[0])
    writer.add_blank_page()
    buffer = io.BytesIO()
    writer.write(buffer)
    extracted = _extract(_write(tmp_path, "blank-second.pdf", buffer.getvalue()))
    assert [page.number for page in extracted.pages] == [1, 2]
    assert extracted.pages[1].text == ""


def test_pdf_all_blank(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    path = _write(tmp_path, "blank.pdf", buffer.getvalue())
    assert _error(path) == "no extractable text (scanned? OCR is not supported)"


def test_pdf_warnings_logged(corpus: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        _extract(corpus / "pdf" / "issue-297.pdf")
    assert any(record.name.startswith("pypdf") for record in caplog.records)


def test_pdf_warnings_not_on_stderr(corpus: Path) -> None:
    # A fresh interpreter has no logging handlers, unlike pytest, so this shows what a
    # program that never configured logging would print.
    code = (
        "import sys; from pathlib import Path; "
        "from docdesk.core.extraction import extract_file; "
        "extract_file(Path(sys.argv[1]), 'application/pdf')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(corpus / "pdf" / "issue-297.pdf")],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


# --- text files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("utf16-le.txt", codecs.BOM_UTF16_LE + "Grüße aus Köln".encode("utf-16-le")),
        ("utf16-be.txt", codecs.BOM_UTF16_BE + "Grüße aus Köln".encode("utf-16-be")),
        ("utf32.txt", "Grüße aus Köln".encode("utf-32")),
        ("utf8-bom.txt", codecs.BOM_UTF8 + "Grüße aus Köln".encode()),
        ("utf8.md", "Grüße aus Köln".encode()),
        ("cp1252.txt", "Grüße aus Köln".encode("cp1252")),
    ],
)
def test_text_encodings(tmp_path: Path, name: str, data: bytes) -> None:
    assert _full_text(_extract(_write(tmp_path, name, data))) == "Grüße aus Köln"


def test_text_cp1252_punctuation(tmp_path: Path) -> None:
    path = _write(tmp_path, "quotes.txt", "Café – “quoted” …".encode("cp1252"))
    assert _full_text(_extract(path)) == "Café – “quoted” ..."


def test_text_latin1_fallback(tmp_path: Path) -> None:
    # 0x81 is undefined in cp1252, so only latin-1 decodes this, and normalisation then
    # drops the C1 control character it maps to.
    path = _write(tmp_path, "latin1.txt", b"caf\xe9 \x81ok")
    assert _full_text(_extract(path)) == "café ok"


def test_text_binary(tmp_path: Path) -> None:
    path = _write(tmp_path, "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert _error(path) == "file looks binary, not text"


def test_markdown_kept_raw(tmp_path: Path) -> None:
    path = _write(tmp_path, "notes.md", b"# Heading\n\n- item *one*\n")
    assert _full_text(_extract(path)) == "# Heading\n\n- item *one*"


def test_text_lines_kept(tmp_path: Path) -> None:
    path = _write(tmp_path, "lines.txt", b"line one\nline two\n")
    assert _full_text(_extract(path)) == "line one\nline two"


# --- empty and unreadable files -------------------------------------------------------------


@pytest.mark.parametrize("name", ["empty.pdf", "empty.docx", "empty.txt", "empty.md"])
def test_empty_file(tmp_path: Path, name: str) -> None:
    assert _error(_write(tmp_path, name, b"")) == "no extractable text (the file is empty)"


@pytest.mark.parametrize("name", ["blank.txt", "blank.md"])
def test_whitespace_only_file(tmp_path: Path, name: str) -> None:
    assert _error(_write(tmp_path, name, b" \n\n\t \r\n  ")) == "no extractable text"


def test_missing_file(tmp_path: Path) -> None:
    assert _error(tmp_path / "gone.pdf").startswith("cannot read the file")


def test_unsupported_mime(tmp_path: Path) -> None:
    path = _write(tmp_path, "data.bin", b"data")
    assert _error(path, "application/octet-stream") == ("unsupported MIME type 'application/octet-stream'")
