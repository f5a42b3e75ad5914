"""Extract text from PDF files with pypdf, page by page."""

from __future__ import annotations

import logging
import warnings
from collections import Counter
from pathlib import Path

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

from docdesk.core.errors import ExtractionError
from docdesk.core.extraction.reasons import PASSWORD_PROTECTED, short_reason
from docdesk.core.models import Extracted, Page

logger = logging.getLogger(__name__)

# Placeholder titles that PDF writers fill in when the author set none.
_PLACEHOLDER_TITLES = frozenset({"untitled", "untitled document", "no title", "title"})


def extract_pdf(path: Path) -> Extracted:
    """Extract the text of every page, numbered from 1, and the /Title metadata.

    pypdf reads non-strictly, so it recovers what it can from damaged files. Raises
    ExtractionError for password-protected files and for files pypdf cannot parse.
    """
    _keep_pypdf_logs_off_stderr()

    # NOTE: catch_warnings swaps process-wide state and is not thread-safe before
    # Python 3.14. ExtractionRunner runs one extraction per process, which is safe.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            return _read_pdf(path)
        finally:
            _log_caught_warnings(caught, path.name)


def _read_pdf(path: Path) -> Extracted:
    try:
        reader = PdfReader(path, strict=False)
        _decrypt_with_empty_password(reader)
        pages = _extract_pages(reader, path.name)
    except (ExtractionError, MemoryError):
        raise
    except FileNotDecryptedError as exc:
        raise ExtractionError(PASSWORD_PROTECTED) from exc
    except PyPdfError as exc:
        raise ExtractionError(f"damaged PDF: {short_reason(exc)}") from exc
    except Exception as exc:
        # pypdf raises plain ValueError, KeyError and others on some malformed input.
        # Keep the traceback in the log, because it may point at a pypdf bug.
        logger.warning("pypdf failed on %s", path.name, exc_info=True)
        raise ExtractionError(f"damaged PDF: {short_reason(exc)}") from exc

    return Extracted(pages=pages, title=_read_title(reader, path.name))


def _decrypt_with_empty_password(reader: PdfReader) -> None:
    # Many PDFs are encrypted only to set permissions, with an empty user password.
    if not reader.is_encrypted:
        return
    try:
        result = reader.decrypt("")
    except DependencyError as exc:
        raise ExtractionError("encrypted PDF needs the 'cryptography' package, which is not installed") from exc
    except NotImplementedError as exc:
        raise ExtractionError(f"unsupported PDF encryption: {short_reason(exc)}") from exc
    if result == PasswordType.NOT_DECRYPTED:
        raise ExtractionError(PASSWORD_PROTECTED)


def _extract_pages(reader: PdfReader, name: str) -> list[Page]:
    pages: list[Page] = []
    first_error: Exception | None = None
    for number, page in enumerate(reader.pages, start=1):
        try:
            text = page.extract_text()
        except MemoryError:
            raise
        except Exception as exc:
            # One broken content stream should not cost the text of the other pages.
            logger.warning("Text extraction failed on page %d of %s: %s", number, name, short_reason(exc))
            first_error = first_error or exc
            text = ""
        pages.append(Page(number=number, text=text))

    if first_error is not None and not any(page.text for page in pages):
        raise ExtractionError(f"damaged PDF: {short_reason(first_error)}") from first_error
    return pages


def _read_title(reader: PdfReader, name: str) -> str | None:
    try:
        metadata = reader.metadata
        raw_title = metadata.title if metadata is not None else None
    except MemoryError:
        raise
    except Exception as exc:
        # A broken info dictionary costs only the title, never the text.
        logger.info("Ignored unreadable metadata in %s: %s", name, short_reason(exc))
        return None

    if not isinstance(raw_title, str):
        return None
    title = " ".join(raw_title.split())
    if not title or title.casefold() in _PLACEHOLDER_TITLES:
        return None
    return title


def _keep_pypdf_logs_off_stderr() -> None:
    # A record that meets no handler on its way up goes to logging.lastResort, which
    # writes to stderr and would garble a terminal UI. A NullHandler on "pypdf" stops
    # that, while records still propagate to the handlers the application set up.
    pypdf_logger = logging.getLogger("pypdf")
    if not any(isinstance(handler, logging.NullHandler) for handler in pypdf_logger.handlers):
        pypdf_logger.addHandler(logging.NullHandler())


def _log_caught_warnings(caught: list[warnings.WarningMessage], name: str) -> None:
    counts = Counter(f"{record.category.__name__}: {record.message}" for record in caught)
    for message, count in counts.items():
        logger.warning("pypdf warning on %s (%d times): %s", name, count, message)
