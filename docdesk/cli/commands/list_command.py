"""`docdesk list`: show documents and their status."""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from docdesk.cli.context import database
from docdesk.core.models import Document, Status
from docdesk.core.settings import Settings
from docdesk.core.store.documents import list_documents

JSON_FIELDS = (
    "id", "filename", "title", "subject", "grade", "status", "retry_count",
    "next_retry_at", "last_error", "chunk_count", "size", "created_at",
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("list", help="list documents", description="List documents, oldest first.")
    parser.add_argument("--json", action="store_true", help="print a JSON array (times in epoch milliseconds)")
    parser.add_argument("--status", choices=[s.value for s in Status], help="only documents with this status")


def as_json_object(document: Document) -> dict[str, object]:
    values = {name: getattr(document, name) for name in JSON_FIELDS}
    values["status"] = document.status.value
    return values


def _when(epoch_ms: int | None) -> str:
    if epoch_ms is None:
        return ""
    return datetime.fromtimestamp(epoch_ms / 1000).strftime("%Y-%m-%d %H:%M:%S")


def _text_row(document: Document) -> str:
    detail = document.last_error or ""
    if document.status is Status.QUEUED and document.next_retry_at:
        detail = f"next try {_when(document.next_retry_at)}; {detail}"
    title = document.title or document.filename
    columns = [document.id, document.status.value, str(document.retry_count), title, detail]
    return "\t".join(columns)


async def run(args: argparse.Namespace, settings: Settings) -> int:
    status = Status(args.status) if args.status else None
    async with database(settings) as db:
        documents = await list_documents(db, status=status)
    if args.json:
        print(json.dumps([as_json_object(d) for d in documents], indent=2, ensure_ascii=False))
        return 0
    if not documents:
        print("no documents; add some with `docdesk add PATH`")
        return 0
    print("id\tstatus\tretries\ttitle\tdetail")
    for document in documents:
        print(_text_row(document))
    return 0
