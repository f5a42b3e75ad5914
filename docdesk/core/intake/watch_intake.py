"""Storing one settled file from the watched folder: add it, re-queue its document, or reject it.

Each path remembers the content it was last handled with, so a re-save without
change, a repeated event or an unsupported file is dealt with once per content.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, auto
from pathlib import Path

import aiosqlite

from docdesk.core.errors import RejectedFileError
from docdesk.core.intake.add import add_file
from docdesk.core.intake.filetypes import detect_mime
from docdesk.core.intake.storage import hash_file, store_copy
from docdesk.core.intake.watch_events import WatchAdded, WatchEvent, WatchRejected, WatchRequeued
from docdesk.core.intake.watch_stability import FileSignature, StableFile, UnreadableFile, read_signature
from docdesk.core.models import Document
from docdesk.core.store.documents import find_by_source_path, get_by_content_hash, replace_content

log = logging.getLogger(__name__)


class Outcome(Enum):
    """Result of one attempt to store a settled file."""

    DONE = auto()
    # The file changed while it was read, so it waits to settle again.
    CHANGED = auto()
    # The file is gone, so nothing is remembered about it and a later copy is handled afresh.
    VANISHED = auto()


@dataclass(frozen=True, slots=True)
class _Copied:
    stored: Path
    mime: str


def describe_os_error(path: Path, error: OSError) -> str:
    """Return a one-line reason for a file that cannot be read, naming the file and the fix."""
    if error.errno in (errno.EACCES, errno.EPERM):
        return f"{path.name}: permission denied; make the file readable and save it again"
    if error.errno == errno.ELOOP:
        return f"{path.name}: symbolic link loop; fix or remove the link"
    return f"{path.name}: cannot be read ({error.strerror or error})"


def _hash_if_unchanged(path: Path, signature: FileSignature) -> str | None:
    """Hash `path`, or return None when its signature changed during the read (still being written)."""
    content_hash, _ = hash_file(path)
    if read_signature(path) != signature:
        return None
    return content_hash


def _copy_checked(path: Path, storage_dir: Path, content_hash: str) -> _Copied:
    """Check the type and store a copy. store_copy raises OSError when the bytes no longer match the hash."""
    mime = detect_mime(path)
    stored = store_copy(path, storage_dir, content_hash, path.suffix.lower())
    return _Copied(stored, mime)


class WatchIntake:
    """Intake of settled files into documents, through one database connection."""

    def __init__(
        self,
        db: aiosqlite.Connection,
        *,
        storage_dir: Path,
        user_id: str,
        on_event: Callable[[WatchEvent], None],
    ) -> None:
        self._db = db
        self._storage_dir = storage_dir
        self._user_id = user_id
        self._on_event = on_event
        # The latest signature and content hash per path, so repeated events do not re-read a file.
        self._hashes: dict[Path, tuple[FileSignature, str]] = {}
        # The content hash (or an error key) each path was last handled with.
        self._handled: dict[Path, str] = {}

    async def process(self, settled: StableFile | UnreadableFile) -> Outcome:
        if isinstance(settled, UnreadableFile):
            self._reject_once(settled.path, describe_os_error(settled.path, settled.error))
            return Outcome.DONE
        return await self._process_stable(settled)

    def forget_hash(self, path: Path) -> None:
        """Drop the cached hash of a deleted path, but keep the content it was handled with."""
        self._hashes.pop(path, None)

    async def _process_stable(self, file: StableFile) -> Outcome:
        content_hash = await self._content_hash(file)
        if isinstance(content_hash, Outcome):
            return content_hash
        if self._handled.get(file.path) == content_hash:
            log.debug("%s unchanged since it was last handled", file.path)
            return Outcome.DONE

        outcome = await self._store(file, content_hash)
        if outcome is Outcome.DONE:
            self._handled[file.path] = content_hash
        return outcome

    async def _content_hash(self, file: StableFile) -> str | Outcome:
        """Return the file's SHA-256, or the outcome when it cannot be read or changed meanwhile."""
        cached = self._hashes.get(file.path)
        if cached is not None and cached[0] == file.signature:
            return cached[1]
        try:
            content_hash = await asyncio.to_thread(_hash_if_unchanged, file.path, file.signature)
        except FileNotFoundError:
            log.debug("%s vanished before it was read; skipped", file.path)
            return Outcome.VANISHED
        except OSError as error:
            self._reject_once(file.path, describe_os_error(file.path, error))
            return Outcome.DONE
        if content_hash is None:
            return Outcome.CHANGED
        self._hashes[file.path] = (file.signature, content_hash)
        return content_hash

    async def _store(self, file: StableFile, content_hash: str) -> Outcome:
        existing = await get_by_content_hash(self._db, self._user_id, content_hash)
        previous = await self._document_from(file.path)
        if existing is not None:
            self._report_existing(file, existing, previous)
            return Outcome.DONE
        if previous is not None:
            return await self._replace(file, previous, content_hash)
        return await self._add(file)

    async def _document_from(self, path: Path) -> Document | None:
        """Return this user's document last added from `path`, if any."""
        document = await find_by_source_path(self._db, str(path))
        if document is None or document.user_id != self._user_id:
            return None
        return document

    def _report_existing(self, file: StableFile, existing: Document, previous: Document | None) -> None:
        # Only a live change to other stored content is news. A start-up scan, a rename or
        # a copy of a stored file would otherwise report every file already in docdesk.
        if previous is not None and previous.id != existing.id and not file.from_scan:
            log.info("%s now has the same content as document %s", file.path, existing.id)
            self._on_event(WatchAdded(file.path, existing.id, created=False))
        else:
            log.debug("%s is already stored as document %s", file.path, existing.id)

    async def _add(self, file: StableFile) -> Outcome:
        try:
            result = await add_file(
                self._db, file.path, storage_dir=self._storage_dir, user_id=self._user_id,
                source_path=file.path,
            )
        except RejectedFileError as rejection:
            return self._after_failure(file, str(rejection))
        if result.created:
            self._on_event(WatchAdded(file.path, result.document.id, created=True))
        return Outcome.DONE

    async def _replace(self, file: StableFile, previous: Document, content_hash: str) -> Outcome:
        try:
            copied = await asyncio.to_thread(_copy_checked, file.path, self._storage_dir, content_hash)
        except RejectedFileError as rejection:
            return self._after_failure(file, str(rejection))
        except OSError as error:
            return self._after_failure(file, describe_os_error(file.path, error))

        try:
            await replace_content(
                self._db, previous.id, str(copied.stored), content_hash, file.signature.size, copied.mime
            )
        except sqlite3.IntegrityError:
            # Another process stored the same content between the lookup and this update.
            existing = await get_by_content_hash(self._db, self._user_id, content_hash)
            if existing is not None:
                self._on_event(WatchAdded(file.path, existing.id, created=False))
            return Outcome.DONE
        log.info("%s changed; document %s queued again with the new content", file.path, previous.id)
        self._on_event(WatchRequeued(file.path, previous.id))
        return Outcome.DONE

    def _after_failure(self, file: StableFile, reason: str) -> Outcome:
        """Report a rejection, unless the file changed or vanished while it was read."""
        try:
            signature = read_signature(file.path)
        except FileNotFoundError:
            log.debug("%s vanished while it was read; skipped", file.path)
            return Outcome.VANISHED
        except OSError:
            signature = file.signature
        if signature != file.signature:
            log.debug("%s changed while it was read; waiting for it to settle again", file.path)
            return Outcome.CHANGED
        self._reject_once(file.path, reason)
        return Outcome.DONE

    def _reject_once(self, path: Path, reason: str) -> None:
        key = f"error:{reason}"
        if self._handled.get(path) == key:
            return
        self._handled[path] = key
        log.warning("watched file rejected: %s", reason)
        self._on_event(WatchRejected(path, reason))
