"""`docdesk add PATH...`: queue files for processing."""

from __future__ import annotations

import argparse
from pathlib import Path

from docdesk.cli.context import database, error
from docdesk.core.errors import RejectedFileError
from docdesk.core.intake.add import Metadata, add_file, expand_paths
from docdesk.core.providers.factory import provider_problem
from docdesk.core.settings import Settings
from docdesk.core.store.queue import record_missing_provider


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "add",
        help="queue files for extraction and embedding",
        description="Copy files into docdesk's storage and queue them; folders are searched recursively. "
        "Prints one line per file with its document id, or why it was rejected.",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="file or folder to add")
    parser.add_argument("--title", help="title for the added documents (default: the file's own title or name)")
    parser.add_argument("--subject", help="subject, e.g. Biology")
    parser.add_argument("--grade", help="grade or level, e.g. 9")


async def run(args: argparse.Namespace, settings: Settings) -> int:
    metadata = Metadata(title=args.title, subject=args.subject, grade=args.grade)
    rejected = 0
    problem = provider_problem(settings)
    async with database(settings) as db:
        for path in expand_paths(args.paths):
            try:
                result = await add_file(
                    db, path, storage_dir=settings.resolved_storage_dir,
                    user_id=settings.resolved_user_id, metadata=metadata,
                )
            except RejectedFileError as rejection:
                error(str(rejection))
                rejected += 1
                continue
            state = "queued" if result.created else "exists"
            print(f"{state}\t{result.document.id}\t{path}")
        if problem is not None:
            await record_missing_provider(db, problem)
    if problem is not None:
        error(problem)
    return 1 if rejected else 0
