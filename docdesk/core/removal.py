"""Removing documents together with stored copies no other document uses."""

from __future__ import annotations

import logging
from pathlib import Path

import aiosqlite

from docdesk.core.models import Document
from docdesk.core.store.documents import delete_documents, is_storage_path_used
from docdesk.core.store.transaction import write_transaction

log = logging.getLogger(__name__)


async def remove_documents(db: aiosqlite.Connection, doc_ids: list[str]) -> list[Document]:
    """Delete the documents in one transaction, then their unshared stored files."""
    async with write_transaction(db):
        removed = await delete_documents(db, doc_ids)
    for document in removed:
        if await is_storage_path_used(db, document.storage_path):
            continue
        try:
            Path(document.storage_path).unlink(missing_ok=True)
        except OSError as error:
            log.warning("could not delete stored copy %s: %s", document.storage_path, error)
    return removed
