"""`docdesk export`: write tutor context from ready documents."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from docdesk.cli.context import database, error
from docdesk.core.export import (
    DEFAULT_MAX_TOKENS,
    TOKEN_ESTIMATE_RULE,
    ExportError,
    ExportFormat,
    ExportRequest,
    ExportResult,
    build_export,
)
from docdesk.core.export.output_file import write_export_file
from docdesk.core.providers.base import EmbeddingProvider
from docdesk.core.providers.errors import ProviderError
from docdesk.core.providers.factory import create_provider
from docdesk.core.settings import Settings

DESCRIPTION = (
    "Write ready documents as tutor context for an AI tutor's prompt. Without --query, each "
    "document's text follows in reading order, and a budget too small for all of it is shared fairly "
    "between the documents. With --query, the chunks most similar to the query come first, ranked with "
    "the provider and model that embedded the documents; documents embedded with another model are "
    "skipped and listed. Every passage cites its document's title and file name, and PDF pages."
)
EPILOG = (
    f"Tokens are estimated, without a tokenizer, as {TOKEN_ESTIMATE_RULE}; the estimate of the whole "
    "output, headings and citations included, stays within --max-tokens. A requested document that "
    "is not ready fails the export, and nothing is written."
)


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number {value!r}; give a whole number of tokens") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "export", help="write tutor context from ready documents", description=DESCRIPTION, epilog=EPILOG,
    )
    parser.add_argument("--doc", action="append", default=[], metavar="ID",
                        help="document id or unique prefix; repeat for several, in output order "
                        "(default: all ready documents, oldest first)")
    parser.add_argument("--subject", help="only documents with this subject (case-insensitive)")
    parser.add_argument("--grade", help="only documents with this grade (case-insensitive)")
    parser.add_argument("--query", "-q", metavar="TEXT",
                        help="session topic; ranks passages by similarity to it (needs the embedding provider)")
    parser.add_argument("--max-tokens", type=_positive_int, default=DEFAULT_MAX_TOKENS, metavar="N",
                        help=f"token budget of the whole output, in estimated tokens (default: {DEFAULT_MAX_TOKENS})")
    parser.add_argument("--format", choices=[f.value for f in ExportFormat], default=ExportFormat.MARKDOWN.value,
                        help="output format (default: markdown); docs/export.md describes the JSON schema")
    parser.add_argument("--output", "-o", default="-", metavar="FILE",
                        help="output file, or - for standard output (default: -)")
    parser.add_argument("--requeue-other-models", action="store_true",
                        help="with --query: queue documents embedded with another model again, "
                        "so the worker embeds them with the current one")


async def run(args: argparse.Namespace, settings: Settings) -> int:
    request = ExportRequest(
        doc_ids=tuple(args.doc),
        subject=args.subject,
        grade=args.grade,
        query=args.query,
        max_tokens=args.max_tokens,
        format=ExportFormat(args.format),
        requeue_other_models=args.requeue_other_models,
    )
    provider: EmbeddingProvider | None = None
    if request.topic is not None:
        choice = create_provider(settings)
        if choice.provider is None:
            error(f"--query needs an embedding provider: {choice.problem}")
            return 2
        provider = choice.provider
    try:
        async with database(settings) as db:
            result = await build_export(db, provider, request)
    except ExportError as problem:
        error(str(problem))
        return 1
    except ProviderError as problem:
        error(f"the query could not be embedded: {problem}")
        return 1
    finally:
        if provider is not None:
            await provider.aclose()
    try:
        _write(result, args.output)
    except OSError as failure:
        reason = failure.strerror or failure
        error(f"cannot write {args.output}: {reason}; check that the folder exists and is writable")
        return 1
    _report(result, args.output)
    return 0


def _write(result: ExportResult, output: str) -> None:
    if output == "-":
        sys.stdout.write(result.text)
        sys.stdout.flush()
        return
    write_export_file(Path(output), result.text)


def _report(result: ExportResult, output: str) -> None:
    """Summarise on stderr, so standard output carries only the export."""
    where = "standard output" if output == "-" else output
    with_passages = sum(1 for cut in result.cut if cut.kept)
    print(
        f"wrote {where}: {len(result.passages)} passage(s) from {with_passages} document(s), "
        f"{result.token_count} of {result.request.max_tokens} estimated tokens",
        file=sys.stderr,
    )
    for skipped in result.skipped:
        print(f"skipped {skipped.document.id[:8]} ({skipped.document.filename}): {skipped.reason}", file=sys.stderr)
