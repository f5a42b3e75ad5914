"""The scriptable commands as subprocesses: exit codes, output lines and messages."""

from __future__ import annotations

from pathlib import Path

from tests.cli_runner import cli_env, list_json, run_cli

LIST_FIELDS = {
    "id", "filename", "title", "subject", "grade", "status", "retry_count",
    "next_retry_at", "last_error", "chunk_count", "size", "created_at",
}


def _files(tmp_path: Path) -> tuple[Path, Path]:
    good = tmp_path / "notes.txt"
    good.write_text("Cells divide by mitosis.\n\nChromosomes separate.", encoding="utf-8")
    bad = tmp_path / "program.exe"
    bad.write_bytes(b"MZ\x00\x01binary")
    return good, bad


def test_add_reports_each_file(tmp_path: Path) -> None:
    env = cli_env(tmp_path, DOCDESK_PROVIDER="local")
    good, bad = _files(tmp_path)
    result = run_cli(env, "add", str(good), str(bad), "--subject", "Biology", "--grade", "9")
    assert result.returncode == 1
    assert result.stdout.startswith("queued\t")
    assert str(good) in result.stdout
    assert "program.exe: unsupported file type" in result.stderr
    assert "Traceback" not in result.stderr


def test_add_same_content_twice(tmp_path: Path) -> None:
    env = cli_env(tmp_path, DOCDESK_PROVIDER="local")
    good, _ = _files(tmp_path)
    copy = tmp_path / "copy.txt"
    copy.write_bytes(good.read_bytes())
    first = run_cli(env, "add", str(good))
    second = run_cli(env, "add", str(copy))
    assert second.stdout.startswith("exists\t")
    assert first.stdout.split("\t")[1] == second.stdout.split("\t")[1]
    assert len(list_json(env)) == 1


def test_list_json_fields(tmp_path: Path) -> None:
    env = cli_env(tmp_path, DOCDESK_PROVIDER="local")
    good, _ = _files(tmp_path)
    run_cli(env, "add", str(good), "--subject", "Biology")
    [document] = list_json(env)
    assert set(document) == LIST_FIELDS
    assert document["status"] == "queued"
    assert document["subject"] == "Biology"
    assert document["title"] == "notes"


def test_list_filters_status(tmp_path: Path) -> None:
    env = cli_env(tmp_path, DOCDESK_PROVIDER="local")
    good, _ = _files(tmp_path)
    run_cli(env, "add", str(good))
    result = run_cli(env, "list", "--status", "ready", "--json")
    assert result.stdout.strip() == "[]"


def test_no_provider_keeps_documents_queued(tmp_path: Path) -> None:
    env = cli_env(tmp_path, DOCDESK_PROVIDER="openai")
    good, _ = _files(tmp_path)
    added = run_cli(env, "add", str(good))
    worker = run_cli(env, "worker", "--until-idle")
    [document] = list_json(env)
    assert added.returncode == 0
    assert "OPENAI_API_KEY is not set" in added.stderr
    assert worker.returncode == 2
    assert document["status"] == "queued"
    assert "OPENAI_API_KEY" in document["last_error"]


def test_retry_and_remove_unknown_id(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    retry = run_cli(env, "retry", "feedbeef")
    remove = run_cli(env, "remove", "feedbeef")
    assert retry.returncode == 1
    assert "document not found: feedbeef" in retry.stderr
    assert remove.returncode == 1
    assert "document not found: feedbeef" in remove.stderr


def test_remove_deletes_document_and_copy(tmp_path: Path) -> None:
    env = cli_env(tmp_path, DOCDESK_PROVIDER="local")
    good, _ = _files(tmp_path)
    doc_id = run_cli(env, "add", str(good)).stdout.split("\t")[1]
    stored = list(Path(env["DOCDESK_DB"]).parent.joinpath("files").rglob("*.txt"))
    result = run_cli(env, "remove", doc_id[:8])
    assert result.returncode == 0
    assert result.stdout.startswith("removed\t" + doc_id)
    assert list_json(env) == []
    assert len(stored) == 1
    assert not stored[0].exists()


def test_invalid_setting_named(tmp_path: Path) -> None:
    env = cli_env(tmp_path, DOCDESK_MAX_RETRIES="many")
    result = run_cli(env, "list")
    assert result.returncode == 2
    assert "DOCDESK_MAX_RETRIES" in result.stderr
    assert "'many'" in result.stderr


def test_version_and_help(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    version = run_cli(env, "--version")
    for command in ("add", "list", "worker", "retry", "remove", "export"):
        help_text = run_cli(env, command, "--help")
        assert help_text.returncode == 0, command
    assert version.stdout.startswith("docdesk ")
