"""The real corpus through add -> worker -> export, as subprocesses, on the local model."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.cli_runner import cli_env, list_json, run_cli

# File name -> (final status, text the export or last_error must contain).
EXPECTED = {
    "google-doc-document.pdf": ("ready", "Beautiful is better than ugly."),
    "pdflatex-4-pages.pdf": ("ready", None),
    "multicolumn.pdf": ("ready", "Two-Column Document with Lorem Ipsum"),
    "GeoTopo-komprimiert.pdf": ("ready", "Einführung in die Geometrie und Topologie"),
    "crazyones-pdfa.pdf": ("ready", "The Crazy Ones"),
    "habibi.pdf": ("ready", "حَبيبي"),
    "imagemagick-lzw.pdf": ("error", "no extractable text"),
    "libreoffice-writer-password.pdf": ("error", "password-protected"),
    "r6-empty-password.pdf": ("ready", "pdf encryption test"),
    "issue-297.pdf": ("ready", "test example"),
    "multicolumn-lorem-ipsum.txt": ("ready", None),
    "blk-paras-and-tables.docx": ("ready", "Text before"),
    "tbl-having-tables.docx": ("error", "no extractable text"),
    "hdr-header-footer.docx": ("ready", "section with header"),
    "par-hyperlinks.docx": ("ready", "awesome hyperlink"),
    "having-images.docx": ("error", "no extractable text"),
}


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    corpus = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
    tmp_path = tmp_path_factory.mktemp("corpus")
    env = cli_env(tmp_path, DOCDESK_PROVIDER="local")
    added = run_cli(env, "add", str(corpus / "pdf"), str(corpus / "docx"), str(corpus / "multicolumn-lorem-ipsum.txt"))
    assert added.returncode == 0, added.stderr
    worked = run_cli(env, "worker", "--until-idle", timeout=600)
    assert worked.returncode == 0, worked.stderr
    documents = {d["filename"]: d for d in list_json(env)}
    return env, documents


def test_every_corpus_file_added(processed: tuple[dict[str, str], dict[str, dict[str, Any]]]) -> None:
    _, documents = processed
    assert sorted(documents) == sorted(EXPECTED)


@pytest.mark.parametrize("filename", sorted(EXPECTED))
def test_corpus_outcome(processed: tuple[dict[str, str], dict[str, dict[str, Any]]], filename: str) -> None:
    env, documents = processed
    status, snippet = EXPECTED[filename]
    document = documents[filename]
    assert document["status"] == status, document["last_error"]
    if status == "ready":
        assert document["chunk_count"] > 0
        exported = run_cli(env, "export", "--doc", document["id"])
        assert exported.returncode == 0, exported.stderr
        if snippet:
            # PDF line breaks fall anywhere in a phrase, so compare with whitespace collapsed.
            assert snippet in " ".join(exported.stdout.split())
    else:
        assert snippet in document["last_error"]
        assert "Traceback" not in document["last_error"]


def test_pdf_chunks_carry_pages(processed: tuple[dict[str, str], dict[str, dict[str, Any]]]) -> None:
    env, documents = processed
    doc_id = documents["pdflatex-4-pages.pdf"]["id"]
    with sqlite3.connect(env["DOCDESK_DB"]) as connection:
        pages = connection.execute(
            "SELECT MIN(page_start), MAX(page_end), COUNT(*) FROM doc_chunks WHERE doc_id = ?", (doc_id,)
        ).fetchone()
        page_count = connection.execute("SELECT page_count FROM documents WHERE id = ?", (doc_id,)).fetchone()[0]
    assert pages[0] == 1
    assert pages[1] == 4
    assert page_count == 4


def test_ligatures_normalised(processed: tuple[dict[str, str], dict[str, dict[str, Any]]]) -> None:
    env, documents = processed
    exported = run_cli(env, "export", "--doc", documents["GeoTopo-komprimiert.pdf"]["id"])
    assert "Auflage" in exported.stdout
    assert "ﬂ" not in exported.stdout


def test_docx_table_text_in_order(processed: tuple[dict[str, str], dict[str, dict[str, Any]]]) -> None:
    env, documents = processed
    exported = run_cli(env, "export", "--doc", documents["blk-paras-and-tables.docx"]["id"]).stdout
    assert exported.index("Text before") < exported.index("Text after")


def test_not_ready_export_refused(processed: tuple[dict[str, str], dict[str, dict[str, Any]]], tmp_path: Path) -> None:
    env, documents = processed
    target = tmp_path / "out.md"
    failed = documents["imagemagick-lzw.pdf"]
    result = run_cli(env, "export", "--doc", failed["id"], "--output", str(target))
    assert result.returncode == 1
    assert failed["id"][:8] in result.stderr
    assert "error" in result.stderr
    assert not target.exists()


def test_nothing_printed_but_results(processed: tuple[dict[str, str], dict[str, dict[str, Any]]]) -> None:
    env, _ = processed
    listed = run_cli(env, "list")
    assert "Traceback" not in listed.stderr
    assert listed.stderr == ""
