"""A mixed queue for crash tests (lessons, large texts, real corpus files) and the checks after recovery."""

from __future__ import annotations

from pathlib import Path

from tests.cli_runner import run_cli
from tests.reliability.db_checks import check_database, document_rows
from tests.worker_helpers import topic_text

# Corpus files that end ready, and those that end in error whatever happens to the worker.
CORPUS_READY = (
    "pdf/google-doc-document.pdf",
    "pdf/pdflatex-4-pages.pdf",
    "pdf/multicolumn.pdf",
    "pdf/crazyones-pdfa.pdf",
    "pdf/habibi.pdf",
    "pdf/r6-empty-password.pdf",
    "pdf/issue-297.pdf",
    "docx/blk-paras-and-tables.docx",
    "docx/hdr-header-footer.docx",
    "docx/par-hyperlinks.docx",
    "multicolumn-lorem-ipsum.txt",
)
CORPUS_ERROR = (
    "pdf/imagemagick-lzw.pdf",
    "pdf/libreoffice-writer-password.pdf",
    "docx/tbl-having-tables.docx",
    "docx/having-images.docx",
)


def write_lessons(folder: Path, small: int, large: int) -> None:
    """Write `small` one-chunk lessons and `large` lessons of about 250 KB (some 90 chunks each).

    Large lessons make the final save a long write transaction, which crashes should hit too.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(small):
        (folder / f"lesson-{number:05d}.txt").write_text(topic_text(number), encoding="utf-8")
    for number in range(small, small + large):
        (folder / f"large-{number:05d}.txt").write_text(topic_text(number, paragraphs=3000), encoding="utf-8")


def add_queue(env: dict[str, str], db: Path, folder: Path, corpus: Path) -> int:
    """Add the lessons in `folder` and the corpus files with `docdesk add`, and return the number of documents."""
    corpus_files = [str(corpus / name) for name in CORPUS_READY + CORPUS_ERROR]
    result = run_cli(env, "--db", str(db), "add", str(folder), *corpus_files)
    assert result.returncode == 0, result.stderr
    return len(document_rows(db))


def expected_status(filename: str) -> str:
    return "error" if any(name.endswith(filename) for name in CORPUS_ERROR) else "ready"


def wrong_statuses(db: Path) -> list[tuple[str, str, str | None]]:
    """Return (file name, status, last_error) of every document whose status is not the expected one."""
    return [
        (row.filename, row.status, row.last_error)
        for row in document_rows(db)
        if row.status != expected_status(row.filename)
    ]


def assert_database_sound(db: Path) -> None:
    """Assert the checks a crash must never break, one condition per assert."""
    check = check_database(db)
    assert check.integrity == ["ok"]
    assert check.foreign_key_violations == []
    assert check.duplicate_ordinals == []
    assert check.count_mismatches == []
    assert check.orphan_chunks == []
    assert check.orphan_vectors == []
    assert check.unfinished_chunks == []
    assert check.wrong_size_vectors == []
