"""Adding files: validate, copy into storage, insert as queued. Never waits for extraction."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from docdesk.core.errors import RejectedFileError
from docdesk.core.intake.filetypes import detect_mime
from docdesk.core.intake.ignore import has_hidden_part, is_ignored
from docdesk.core.intake.storage import hash_file, store_copy
from docdesk.core.models import Document
from docdesk.core.store.documents import NewDocument, insert_document

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AddResult:
    """Outcome of adding one file: the document, and whether it is new or an existing duplicate."""

    path: Path
    document: Document
    created: bool


@dataclass(frozen=True, slots=True)
class Metadata:
    """Optional metadata given at intake."""

    title: str | None = None
    subject: str | None = None
    grade: str | None = None


def _check_readable(path: Path) -> None:
    if path.is_symlink() and not path.exists():
        raise RejectedFileError(f"{path}: broken or looping symbolic link; point it at a real file")
    if not path.exists():
        raise RejectedFileError(f"{path}: file not found")
    if not path.is_file():
        raise RejectedFileError(f"{path}: not a regular file")
    if not os.access(path, os.R_OK):
        raise RejectedFileError(f"{path}: permission denied; make the file readable and add it again")


@dataclass(frozen=True, slots=True)
class _Prepared:
    mime: str
    content_hash: str
    size: int
    stored: Path


def _prepare(path: Path, storage_dir: Path) -> _Prepared:
    """Blocking part of intake (sniffing, hashing, copying), run in a thread."""
    _check_readable(path)
    mime = detect_mime(path)
    try:
        content_hash, size = hash_file(path)
        stored = store_copy(path, storage_dir, content_hash, path.suffix.lower())
    except FileNotFoundError:
        raise RejectedFileError(f"{path}: file disappeared before it could be read") from None
    except PermissionError:
        raise RejectedFileError(f"{path}: permission denied; make the file readable and add it again") from None
    except OSError as error:
        raise RejectedFileError(f"{path}: cannot be read ({error.strerror or error})") from None
    return _Prepared(mime, content_hash, size, stored)


async def add_file(
    db: aiosqlite.Connection,
    path: Path,
    *,
    storage_dir: Path,
    user_id: str,
    metadata: Metadata | None = None,
    source_path: Path | None = None,
) -> AddResult:
    """Queue one file. Raises RejectedFileError with a message naming the file and the fix."""
    metadata = metadata or Metadata()
    prepared = await asyncio.to_thread(_prepare, path, storage_dir)
    title = (metadata.title or "").strip()
    new = NewDocument(
        user_id=user_id,
        filename=path.name,
        storage_path=str(prepared.stored),
        content_hash=prepared.content_hash,
        mime=prepared.mime,
        size=prepared.size,
        title=title or path.stem,
        title_source="user" if title else "filename",
        subject=(metadata.subject or "").strip() or None,
        grade=(metadata.grade or "").strip() or None,
        source_path=str(source_path) if source_path else None,
    )
    document, created = await insert_document(db, new)
    if created:
        log.info("added %s as document %s", path, document.id)
    else:
        log.info("%s has the same content as document %s; not added again", path, document.id)
    return AddResult(path, document, created)


def expand_paths(paths: list[Path]) -> Iterator[Path]:
    """Yield files from `paths`, recursing into folders and skipping temporary and hidden files."""
    for path in paths:
        if not path.is_dir():
            yield path
            continue
        for root, dirs, files in os.walk(path, followlinks=False):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                candidate = Path(root) / name
                if not is_ignored(candidate) and not has_hidden_part(candidate, path):
                    yield candidate
