"""Events the folder watcher reports to its caller, one per file outcome."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias


@dataclass(frozen=True)
class WatchAdded:
    """A watched file was stored: `created` is False when its content was already a document."""

    path: Path
    doc_id: str
    created: bool


@dataclass(frozen=True)
class WatchRejected:
    """A watched file was left alone. `reason` is a one-line message that names the file."""

    path: Path
    reason: str


@dataclass(frozen=True)
class WatchRequeued:
    """A watched file changed, so its document now points at the new content and is queued again."""

    path: Path
    doc_id: str


WatchEvent: TypeAlias = WatchAdded | WatchRejected | WatchRequeued
