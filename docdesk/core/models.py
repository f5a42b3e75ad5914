"""Plain data types shared by every layer of the core."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    """Lifecycle of a document: queued -> processing -> ready, or error."""

    QUEUED = "queued"
    PROCESSING = "processing"
    READY = "ready"
    ERROR = "error"


class Stage(StrEnum):
    """Step a worker is running on a document in `processing`."""

    EXTRACTING = "extracting"
    EMBEDDING = "embedding"
    SAVING = "saving"


@dataclass(frozen=True, slots=True)
class Document:
    """One row of the `documents` table; times are epoch milliseconds."""

    id: str
    user_id: str
    filename: str
    storage_path: str
    title: str | None
    subject: str | None
    grade: str | None
    mime: str | None
    size: int | None
    created_at: int
    status: Status
    retry_count: int
    next_retry_at: int | None
    last_error: str | None
    content_hash: str | None = None
    source_path: str | None = None
    updated_at: int | None = None
    stage: str | None = None
    progress_done: int = 0
    progress_total: int = 0
    page_count: int | None = None
    chunk_count: int = 0
    model: str | None = None
    lease_owner: str | None = None
    lease_expires_at: int | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """Text of one page (PDF) or of the whole body (DOCX, TXT) when `number` is None."""

    number: int | None
    text: str


@dataclass(frozen=True, slots=True)
class Extracted:
    """Result of text extraction: pages in reading order plus the file's own title."""

    pages: list[Page]
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Chunk:
    """A piece of a document's text sized for one embedding input."""

    ordinal: int
    text: str
    page_start: int | None = None
    page_end: int | None = None
