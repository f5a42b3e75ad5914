"""`docdesk export`: write tutor context from ready documents."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from docdesk.cli.context import database, error
from docdesk.core.export.markdown import export_markdown
from docdesk.core.export.selection import ExportSelectionError, select_documents
from docdesk.core.settings import Settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "export", help="write tutor context from ready documents",
        description="Write the text of ready documents as Markdown, in reading order, "
        "each under a heading with its title, subject and grade.",
    )
    parser.add_argument("--doc", action="append", default=[], metavar="ID",
                        help="document id or unique prefix; repeat for several (default: all ready documents)")
    parser.add_argument("--subject", help="only documents with this subject")
    parser.add_argument("--grade", help="only documents with this grade")
    parser.add_argument("--output", "-o", default="-", metavar="FILE", help="output file, or - for standard output")


async def run(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings) as db:
        try:
            documents = await select_documents(db, args.doc, args.subject, args.grade)
        except ExportSelectionError as problem:
            error(str(problem))
            return 1
        text = await export_markdown(db, documents)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output} ({len(documents)} documents)", file=sys.stderr)
    return 0
