"""`docdesk export` as a subprocess, with documents embedded through the fake OpenAI server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from docdesk.core.chunking.tokens import estimate_tokens
from tests.cli_runner import cli_env, list_json, run_cli
from tests.export_documents import CORPUS
from tests.support.fake_openai import FakeOpenAIServer

KEY = "test-key"
PDFS = ["multicolumn.pdf", "google-doc-document.pdf", "pdflatex-4-pages.pdf", "crazyones-pdfa.pdf"]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(api_key=KEY) as fake:
        yield fake


@pytest.fixture(scope="module")
def ready_env(tmp_path_factory: pytest.TempPathFactory, server: FakeOpenAIServer) -> dict[str, str]:
    """An environment whose database contains the corpus PDFs, made ready by `docdesk worker`."""
    env = cli_env(
        tmp_path_factory.mktemp("cli"),
        DOCDESK_PROVIDER="openai", OPENAI_API_KEY=KEY, OPENAI_BASE_URL=server.base_url,
    )
    added = run_cli(env, "add", "--subject", "Samples", *(str(CORPUS / "pdf" / name) for name in PDFS))
    assert added.returncode == 0, added.stderr
    worked = run_cli(env, "worker", "--until-idle")
    assert worked.returncode == 0, worked.stderr
    assert {d["status"] for d in list_json(env)} == {"ready"}
    return env


def ids_by_filename(env: dict[str, str]) -> dict[str, str]:
    return {d["filename"]: d["id"] for d in list_json(env)}


def test_cli_query_json(ready_env: dict[str, str]) -> None:
    exported = run_cli(
        ready_env, "export", "--query", "two-column layout lorem ipsum", "--format", "json", "--max-tokens", "1500"
    )
    assert exported.returncode == 0, exported.stderr
    payload = json.loads(exported.stdout)
    best = max(payload["chunks"], key=lambda chunk: chunk["score"])
    assert best["doc_id"] == ids_by_filename(ready_env)["multicolumn.pdf"]
    assert payload["chunks"][0]["doc_id"] == best["doc_id"]
    assert payload["token_count"] == estimate_tokens(exported.stdout)
    assert payload["token_count"] <= 1500


def test_cli_markdown_to_file(ready_env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "context.md"
    exported = run_cli(ready_env, "export", "--subject", "samples", "--max-tokens", "2000", "--output", str(target))
    assert exported.returncode == 0, exported.stderr
    text = target.read_text(encoding="utf-8")
    assert exported.stdout == ""
    assert f"wrote {target}" in exported.stderr
    assert estimate_tokens(text) <= 2000
    assert "## PDF Example Document\n\n_subject: Samples; file: google-doc-document.pdf_" in text


def test_cli_doc_order(ready_env: dict[str, str]) -> None:
    ids = ids_by_filename(ready_env)
    exported = run_cli(ready_env, "export", "--doc", ids["crazyones-pdfa.pdf"], "--doc", ids["multicolumn.pdf"][:8])
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.index("crazyones-pdfa.pdf, page 1") < exported.stdout.index("multicolumn.pdf, page 1")
    assert "google-doc-document.pdf" not in exported.stdout


def test_cli_not_ready_writes_nothing(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    added = run_cli(env, "add", str(CORPUS / "pdf" / "crazyones-pdfa.pdf"))
    assert added.returncode == 0, added.stderr
    doc_id = list_json(env)[0]["id"]
    target = tmp_path / "context.md"
    exported = run_cli(env, "export", "--doc", doc_id, "--output", str(target))
    assert exported.returncode == 1
    assert f"{doc_id[:8]} (crazyones-pdfa) is queued" in exported.stderr
    assert not target.exists()
    assert list(tmp_path.glob(".context.md.*")) == []


def test_cli_not_ready_keeps_old_file(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    run_cli(env, "add", str(CORPUS / "pdf" / "crazyones-pdfa.pdf"))
    target = tmp_path / "context.md"
    target.write_text("earlier export\n", encoding="utf-8")
    exported = run_cli(env, "export", "--doc", list_json(env)[0]["id"], "--output", str(target))
    assert exported.returncode == 1
    assert target.read_text(encoding="utf-8") == "earlier export\n"


def test_cli_output_folder_missing(ready_env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "missing" / "context.md"
    exported = run_cli(ready_env, "export", "--output", str(target))
    assert exported.returncode == 1
    assert f"cannot write {target}: No such file or directory" in exported.stderr
    assert "Traceback" not in exported.stderr


def test_cli_query_without_provider(tmp_path: Path) -> None:
    env = cli_env(tmp_path, DOCDESK_PROVIDER="openai")
    exported = run_cli(env, "export", "--query", "volcanoes")
    assert exported.returncode == 2
    assert "--query needs an embedding provider" in exported.stderr
    assert "OPENAI_API_KEY is not set" in exported.stderr
    assert exported.stdout == ""


def test_cli_rejects_zero_budget(tmp_path: Path) -> None:
    exported = run_cli(cli_env(tmp_path), "export", "--max-tokens", "0")
    assert exported.returncode == 2
    assert "must be at least 1" in exported.stderr


def test_cli_help_states_estimate(tmp_path: Path) -> None:
    help_output = run_cli(cli_env(tmp_path), "export", "--help")
    assert "ceil(ASCII characters / 4" in " ".join(help_output.stdout.split())
