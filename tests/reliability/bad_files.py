"""Builders of damaged, unusual and hostile input files, one per bad-input case."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import docx

Builder = Callable[[Path, Path], Path]

# Compound File Binary signature: what an old Word .doc starts with.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class BadInput:
    """One case: how to build the file, and the outcome it must end in.

    `outcome` is "rejected" (refused at intake), "error" or "ready". `expected` must
    appear in the rejection message or last_error, or for "ready" in the chunk text.
    """

    build: Builder
    outcome: str
    expected: str
    extraction_timeout: float = 30.0


def _write(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def from_corpus(relative: str) -> Builder:
    """Return a builder that adds a real corpus file from where it is (intake copies it into storage)."""
    return lambda folder, corpus: corpus / relative


def truncated_pdf(folder: Path, corpus: Path) -> Path:
    data = (corpus / "pdf" / "google-doc-document.pdf").read_bytes()
    return _write(folder, "truncated.pdf", data[: len(data) // 2])


def junk_after_eof(folder: Path, corpus: Path) -> Path:
    data = (corpus / "pdf" / "google-doc-document.pdf").read_bytes()
    return _write(folder, "junk-after-eof.pdf", data + b"\n" + bytes(random.Random(1).randbytes(4096)))


def renamed_doc(folder: Path, corpus: Path) -> Path:
    return _write(folder, "old-word.docx", OLE2_MAGIC + bytes(4096))


def corrupt_zip(folder: Path, corpus: Path) -> Path:
    return _write(folder, "corrupt.docx", b"PK\x03\x04" + random.Random(2).randbytes(4096))


def docx_tables_only(folder: Path, corpus: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Photosynthesis turns light into chemical energy."
    table.cell(1, 1).text = "Chlorophyll absorbs red and blue light."
    path = folder / "tables-only.docx"
    document.save(str(path))
    return path


def binary_txt(folder: Path, corpus: Path) -> Path:
    return _write(folder, "binary.txt", bytes(range(256)) * 32)


def utf16_txt(folder: Path, corpus: Path) -> Path:
    return _write(folder, "utf16.txt", "Grüße aus Köln: naïve café lessons.\n".encode("utf-16"))


def cp1252_txt(folder: Path, corpus: Path) -> Path:
    return _write(folder, "cp1252.txt", "Café crème costs €5, “quoted” – fine.\n".encode("cp1252"))


def empty_txt(folder: Path, corpus: Path) -> Path:
    return _write(folder, "empty.txt", b"")


def whitespace_txt(folder: Path, corpus: Path) -> Path:
    return _write(folder, "whitespace.txt", b" \n\t\r\n   \n" * 100)


def long_paragraph(folder: Path, corpus: Path) -> Path:
    """Exactly 100,000 characters without a line break: 12,500 words of 7 characters and a full stop."""
    text = " ".join(f"w{number:06d}" for number in range(12_500)) + "."
    assert len(text) == 100_000
    return _write(folder, "one-paragraph.txt", text.encode())


def unusual_name(folder: Path, corpus: Path) -> Path:
    return _write(folder, "Notes – élève 📚 week 1.txt", b"Volcanoes erupt when magma rises.\n")


def runaway_pdf(folder: Path, corpus: Path) -> Path:
    """Write a 2 KB PDF whose page tree lists the same page 46^3 = 97,336 times.

    pypdf 7.1 rejects page trees of more than 100,000 entries, but accepts this one, and
    extracting the text of every copy took more than a minute on a 2-core test machine.
    """
    return _write(folder, "runaway.pdf", page_tree_bomb(fanout=46, depth=2))


def page_tree_bomb(fanout: int, depth: int) -> bytes:
    """Build a PDF of nested /Pages nodes, each listing the next `fanout` times, over one leaf page."""
    levels = [2 + level for level in range(depth + 1)]
    leaf, content = levels[-1] + 1, levels[-1] + 2
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>"}
    for index, node in enumerate(levels):
        child = levels[index + 1] if index + 1 < len(levels) else leaf
        kids = b" ".join([f"{child} 0 R".encode()] * fanout)
        count = fanout ** (len(levels) - index)
        parent = f"/Parent {levels[index - 1]} 0 R ".encode() if index else b""
        objects[node] = b"<< /Type /Pages " + parent + b"/Kids [" + kids + b"] /Count " + str(count).encode() + b" >>"
    objects[leaf] = (
        f"<< /Type /Page /Parent {levels[-1]} 0 R /MediaBox [0 0 612 792] /Contents {content} 0 R "
        "/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>"
    ).encode()
    stream = b"BT /F1 12 Tf 72 712 Td (lesson) Tj ET"
    objects[content] = b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream"
    return _pdf(objects)


def _pdf(objects: dict[int, bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += f"{number} 0 obj\n".encode() + objects[number] + b"\nendobj\n"
    xref = len(out)
    size = max(objects) + 1
    out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
    for number in range(1, size):
        out += f"{offsets[number]:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


CASES: dict[str, BadInput] = {
    "truncated-pdf": BadInput(truncated_pdf, "error", "damaged PDF"),
    "junk-after-eof": BadInput(junk_after_eof, "ready", "Beautiful is better than ugly."),
    "encrypted-pdf-password": BadInput(
        from_corpus("pdf/libreoffice-writer-password.pdf"), "error", "password-protected"
    ),
    "encrypted-pdf-empty-password": BadInput(from_corpus("pdf/r6-empty-password.pdf"), "ready", "pdf encryption test"),
    "image-only-pdf": BadInput(from_corpus("pdf/imagemagick-lzw.pdf"), "error", "no extractable text (scanned?"),
    "broken-xref-pdf": BadInput(from_corpus("pdf/issue-297.pdf"), "ready", "test example"),
    "doc-renamed-docx": BadInput(renamed_doc, "rejected", "old binary Word file (.doc)"),
    "corrupt-zip-docx": BadInput(corrupt_zip, "rejected", "damaged zip"),
    "docx-tables-only": BadInput(docx_tables_only, "ready", "Chlorophyll absorbs red and blue light."),
    "binary-txt": BadInput(binary_txt, "rejected", "looks binary"),
    "utf16-txt": BadInput(utf16_txt, "ready", "Grüße aus Köln: naïve café"),
    "cp1252-txt": BadInput(cp1252_txt, "ready", "Café crème costs €5, “quoted” – fine."),
    "empty-txt": BadInput(empty_txt, "error", "the file is empty"),
    "whitespace-txt": BadInput(whitespace_txt, "error", "no extractable text"),
    "100k-char-paragraph": BadInput(long_paragraph, "ready", "w012498 w012499."),
    "unusual-file-name": BadInput(unusual_name, "ready", "Volcanoes erupt when magma rises."),
    "runaway-pdf": BadInput(runaway_pdf, "error", "extraction timed out after 2 s", extraction_timeout=2.0),
}
