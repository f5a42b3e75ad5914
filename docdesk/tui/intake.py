"""Adding picked files from the app: expand folders, copy and queue each, and sum up the outcome."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from docdesk.core.errors import RejectedFileError
from docdesk.core.intake.add import add_file, expand_paths
from docdesk.core.models import Document
from docdesk.core.settings import Settings
from docdesk.core.store.connection import open_database
from docdesk.tui.formatting import display_title

_LISTED = 3


@dataclass(slots=True)
class AddOutcome:
    """New documents, files whose content was already there, and rejection messages (each names its file)."""

    added: list[Document] = field(default_factory=list)
    duplicates: list[tuple[Path, Document]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


async def add_paths(settings: Settings, paths: list[Path]) -> AddOutcome:
    """Queue every file under `paths`, on a connection of its own.

    A separate connection keeps a slow copy of a large file from holding up
    the app's polling, and keeps these inserts out of any transaction the app's
    connection has open.
    """
    files = await asyncio.to_thread(lambda: list(expand_paths(paths)))
    outcome = AddOutcome()
    db = await open_database(settings.resolved_db_path)
    try:
        for path in files:
            try:
                result = await add_file(
                    db, path, storage_dir=settings.resolved_storage_dir, user_id=settings.resolved_user_id
                )
            except RejectedFileError as problem:
                outcome.rejected.append(str(problem))
                continue
            if result.created:
                outcome.added.append(result.document)
            else:
                outcome.duplicates.append((path, result.document))
    finally:
        await db.close()
    return outcome


def added_message(outcome: AddOutcome) -> str:
    count = len(outcome.added)
    names = ", ".join(d.filename for d in outcome.added[:_LISTED])
    more = f" and {count - _LISTED} more" if count > _LISTED else ""
    return f"Queued {count} file{'s' if count != 1 else ''}: {names}{more}"


def duplicates_message(outcome: AddOutcome) -> str:
    lines = [
        f"{path.name} has the same content as “{display_title(document)}”, so it was not added again"
        for path, document in outcome.duplicates[:_LISTED]
    ]
    if len(outcome.duplicates) > _LISTED:
        lines.append(f"… and {len(outcome.duplicates) - _LISTED} more duplicates")
    return "\n".join(lines)


def rejected_message(outcome: AddOutcome) -> str:
    lines = outcome.rejected[:_LISTED]
    if len(outcome.rejected) > _LISTED:
        lines = [*lines, f"… and {len(outcome.rejected) - _LISTED} more (see the log)"]
    return "\n".join(lines)
