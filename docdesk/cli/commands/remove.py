"""`docdesk remove ID...`: delete documents, their chunks, vectors and stored copies."""

from __future__ import annotations

import argparse

from docdesk.cli.context import database, error
from docdesk.core.removal import remove_documents
from docdesk.core.settings import Settings
from docdesk.core.store.documents import AmbiguousIdError, resolve_id


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("remove", help="delete documents", description="Delete documents for good.")
    parser.add_argument("ids", nargs="+", metavar="ID", help="document id or unique id prefix")


async def run(args: argparse.Namespace, settings: Settings) -> int:
    missing = 0
    ids: list[str] = []
    async with database(settings) as db:
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
        removed = await remove_documents(db, ids)
    for document in removed:
        print(f"removed\t{document.id}\t{document.title or document.filename}")
    return 1 if missing else 0
