"""Running the `docdesk` command line as a subprocess, as scripts and users do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Environment isolated in tmp_path: no user config, logs in tmp_path, no inherited provider settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCDESK_", "OPENAI_", "EMBED_"))}
    env.update(
        DOCDESK_CONFIG=str(tmp_path / "absent-config.toml"),
        DOCDESK_LOG_DIR=str(tmp_path / "logs"),
        DOCDESK_DB=str(tmp_path / "data" / "docdesk.sqlite3"),
        DOCDESK_USER="tester",
        HF_HUB_OFFLINE="1",
    )
    env.update(extra)
    return env


def run_cli(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "docdesk", *args],
        env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout, check=False,
    )


def list_json(env: dict[str, str]) -> list[dict[str, Any]]:
    result = run_cli(env, "list", "--json")
    assert result.returncode == 0, result.stderr
    documents: list[dict[str, Any]] = json.loads(result.stdout)
    return documents
