"""Settings in one typed place, read from flags, environment and a TOML file.

Precedence, highest first: command-line flags, environment variables, the TOML
file (`DOCDESK_CONFIG`, default `config.toml` in the user's config directory),
then the defaults below. Nothing is created on disk here; paths are only computed.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "docdesk"


def _setting(default: Any, env: str | None, doc: str) -> Any:
    return field(default=default, metadata={"env": env, "doc": doc})


@dataclass(frozen=True)
class Settings:
    """Every knob docdesk reads; each field's `doc` metadata is its user-facing help."""

    db_path: Path | None = _setting(
        None, "DOCDESK_DB", "SQLite database file; default docdesk.sqlite3 in the user data dir"
    )
    storage_dir: Path | None = _setting(
        None, "DOCDESK_STORAGE_DIR", "Folder for stored file copies; default `files/` beside the database"
    )
    log_dir: Path | None = _setting(
        None, "DOCDESK_LOG_DIR", "Folder for docdesk.log; default the user log dir"
    )
    user_id: str = _setting("", "DOCDESK_USER", "Owner recorded on new documents; default the login name")
    provider: str | None = _setting(
        None,
        "DOCDESK_PROVIDER",
        "Embedding provider, `openai` or `local`; unset picks openai when OPENAI_API_KEY is set, "
        "else local when installed",
    )
    openai_api_key: str | None = field(
        default=None,
        repr=False,
        metadata={"env": "OPENAI_API_KEY", "doc": "API key for the openai provider (environment only)"},
    )
    openai_base_url: str | None = _setting(
        None, "OPENAI_BASE_URL", "Endpoint of an OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1"
    )
    embed_model: str = _setting("text-embedding-3-small", "EMBED_MODEL", "Model for the openai provider")
    local_model: str | None = _setting(
        None,
        "DOCDESK_LOCAL_MODEL",
        "sentence-transformers model name or folder; default the bundled all-MiniLM-L6-v2",
    )
    retry_base_seconds: float = _setting(
        60.0, "DOCDESK_RETRY_BASE_SECONDS", "First per-document retry delay in seconds; doubles each retry"
    )
    max_retries: int = _setting(8, "DOCDESK_MAX_RETRIES", "Retries of a transient failure before `error`")
    pause_base_seconds: float = _setting(
        30.0, "DOCDESK_PAUSE_BASE_SECONDS", "First probe interval of a provider-wide pause, in seconds"
    )
    pause_max_seconds: float = _setting(
        900.0, "DOCDESK_PAUSE_MAX_SECONDS", "Longest probe interval of a provider-wide pause, in seconds"
    )
    lease_seconds: float = _setting(
        120.0,
        "DOCDESK_LEASE_SECONDS",
        "How long a claimed document stays with a worker without a heartbeat before another may take it",
    )
    chunk_tokens: int = _setting(700, "DOCDESK_CHUNK_TOKENS", "Largest chunk, in estimated tokens")
    request_timeout_seconds: float = _setting(
        60.0, "DOCDESK_REQUEST_TIMEOUT", "Timeout of one embedding request, in seconds"
    )
    max_concurrent_requests: int = _setting(
        4, "DOCDESK_MAX_CONCURRENCY", "Embedding requests in flight at once per worker process"
    )
    requests_per_minute: int | None = _setting(
        None, "DOCDESK_RPM_LIMIT", "Client-side request rate limit; unset learns it from response headers"
    )
    tokens_per_minute: int | None = _setting(
        None, "DOCDESK_TPM_LIMIT", "Client-side token rate limit; unset learns it from response headers"
    )
    extraction_timeout_seconds: float = _setting(
        120.0, "DOCDESK_EXTRACTION_TIMEOUT", "Time limit for extracting one file, in seconds"
    )
    extraction_workers: int = _setting(
        0, "DOCDESK_EXTRACTION_WORKERS", "Extraction processes; 0 means one per CPU core"
    )
    poll_seconds: float = _setting(
        1.0, "DOCDESK_POLL_SECONDS", "How often an idle worker looks for new work, in seconds"
    )
    watch_dir: Path | None = _setting(None, "DOCDESK_WATCH_DIR", "Folder the app watches for new files")

    def __repr__(self) -> str:
        # The generated repr would already skip the key (repr=False); this makes the rule explicit.
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.repr)
        return f"Settings({shown})"

    @property
    def resolved_db_path(self) -> Path:
        if self.db_path is not None:
            return self.db_path
        return Path(platformdirs.user_data_dir(APP_NAME)) / "docdesk.sqlite3"

    @property
    def resolved_storage_dir(self) -> Path:
        if self.storage_dir is not None:
            return self.storage_dir
        return self.resolved_db_path.parent / "files"

    @property
    def resolved_log_dir(self) -> Path:
        if self.log_dir is not None:
            return self.log_dir
        return Path(platformdirs.user_log_dir(APP_NAME))

    @property
    def resolved_user_id(self) -> str:
        return self.user_id or _login_name()

    @property
    def resolved_extraction_workers(self) -> int:
        return self.extraction_workers or (os.cpu_count() or 1)


class SettingsError(ValueError):
    """A setting has an invalid value; the message names the setting and its source."""


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local"


def config_file_path(environ: Mapping[str, str]) -> Path:
    explicit = environ.get("DOCDESK_CONFIG")
    if explicit:
        return Path(explicit)
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def _convert(name: str, raw: Any, source: str) -> Any:
    """Convert a raw string or TOML value to the type the field `name` declares."""
    kind = Settings.__dataclass_fields__[name].type
    if raw is None or raw == "":
        return None if "None" in str(kind) else Settings.__dataclass_fields__[name].default
    try:
        if "Path" in str(kind):
            return Path(str(raw)).expanduser()
        if kind.startswith("int"):
            return int(raw)
        if kind.startswith("float"):
            return float(raw)
    except ValueError:
        raise SettingsError(f"invalid value {raw!r} for {name} (from {source})") from None
    return str(raw)


def _from_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"cannot read config file {path}: {error}") from None
    known = {f.name for f in fields(Settings)} - {"openai_api_key"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise SettingsError(f"unknown setting(s) {', '.join(unknown)} in {path}; known: {', '.join(sorted(known))}")
    return {key: _convert(key, value, str(path)) for key, value in data.items()}


def _from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in fields(Settings):
        env_name = f.metadata.get("env")
        if env_name and env_name in environ:
            values[f.name] = _convert(f.name, environ[env_name], f"environment variable {env_name}")
    return values


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Build Settings from the TOML file, then the environment, then `overrides` (flags)."""
    env = os.environ if environ is None else environ
    values = _from_toml(config_file_path(env))
    values.update(_from_env(env))
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    settings = Settings(**values)
    _validate(settings)
    return settings


def _validate(settings: Settings) -> None:
    if settings.provider not in (None, "openai", "local"):
        raise SettingsError(f"invalid provider {settings.provider!r}; use `openai` or `local`")
    positive = ("retry_base_seconds", "pause_base_seconds", "lease_seconds", "chunk_tokens",
                "request_timeout_seconds", "max_concurrent_requests", "extraction_timeout_seconds",
                "poll_seconds")
    for name in positive:
        if getattr(settings, name) <= 0:
            raise SettingsError(f"{name} must be greater than 0, got {getattr(settings, name)}")
    if settings.max_retries < 0:
        raise SettingsError(f"max_retries must be 0 or more, got {settings.max_retries}")


def with_overrides(settings: Settings, **changes: Any) -> Settings:
    """Return a copy of `settings` with `changes` applied (used by tests and the app)."""
    return replace(settings, **changes)
