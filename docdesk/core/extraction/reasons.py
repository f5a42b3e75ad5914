"""One-line reasons for failed extractions, shown to the user as the document's error."""

from __future__ import annotations

NO_TEXT = "no extractable text"
NO_TEXT_SCANNED = "no extractable text (scanned? OCR is not supported)"
EMPTY_FILE = "no extractable text (the file is empty)"
PASSWORD_PROTECTED = "password-protected PDF; remove the password and add it again"

_MAX_REASON_CHARS = 120


def short_reason(error: BaseException) -> str:
    """Return the first line of an exception's message, cut to a readable length."""
    lines = str(error).strip().splitlines()
    reason = lines[0] if lines else type(error).__name__
    if len(reason) > _MAX_REASON_CHARS:
        reason = reason[: _MAX_REASON_CHARS - 3] + "..."
    return reason
