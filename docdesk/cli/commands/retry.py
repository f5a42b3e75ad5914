"""`docdesk retry ID... | --failed`: queue documents again now with a fresh retry budget."""

from __future__ import annotations

import argparse

from docdesk.cli.context import database, error
from docdesk.core.settings import Settings
from docdesk.core.store.documents import AmbiguousIdError, failed_ids, requeue, resolve_id


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "retry", help="queue documents again now",
        description="Reset the retry count of documents and queue them to run now.",
    )
    parser.add_argument("ids", nargs="*", metavar="ID", help="document id or unique id prefix")
    parser.add_argument("--failed", action="store_true", help="retry every document in error")


async def run(args: argparse.Namespace, settings: Settings) -> int:
    if not args.ids and not args.failed:
        error("give document ids or --failed")
        return 2
    missing = 0
    async with database(settings) as db:
        ids = await failed_ids(db) if args.failed else []
        for requested in args.ids:
            try:
                document = await resolve_id(db, requested)
            except AmbiguousIdError as problem:
                error(str(problem))
                missing += 1
                continue
            if document is None:
                error(f"document not found: {requested}")
                missing += 1
            else:
                ids.append(document.id)
        changed = await requeue(db, ids)
    print(f"queued {changed} document(s)")
    return 1 if missing else 0
