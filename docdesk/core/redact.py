"""Removing secrets from text before it is logged, stored or shown."""

from __future__ import annotations

import logging
import re

# OpenAI-style secret keys, in case a provider echoes a key that was not passed in as a secret.
_KEY_PATTERN = re.compile(r"\b(sk-[A-Za-z0-9_\-]{8,})")
_REDACTED = "[redacted]"


def redact(text: str, secrets: tuple[str | None, ...] = ()) -> str:
    """Return `text` with every known secret and anything shaped like an API key replaced."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, _REDACTED)
    return _KEY_PATTERN.sub(_REDACTED, text)


def one_line(text: str, limit: int = 300) -> str:
    """Collapse whitespace and cut to `limit` characters, for `last_error` and notifications."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class RedactingFilter(logging.Filter):
    """Logging filter that scrubs secrets from every record's final message."""

    def __init__(self, secrets: tuple[str | None, ...]) -> None:
        super().__init__()
        self._secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self._secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_text is None and record.exc_info[1] is not None:
            formatter = logging.Formatter()
            record.exc_text = redact(formatter.formatException(record.exc_info), self._secrets)
        return True
