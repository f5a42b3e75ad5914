"""`docdesk worker`: run the retry worker without the terminal app."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from docdesk.cli.context import database, error
from docdesk.core.providers.factory import create_provider
from docdesk.core.settings import Settings
from docdesk.core.store.queue import record_missing_provider
from docdesk.core.worker.worker import Worker

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "worker",
        help="process queued documents without the app",
        description="Extract, chunk and embed queued documents until stopped (Ctrl+C or SIGTERM). "
        "Several workers may share one database.",
    )
    parser.add_argument(
        "--until-idle", action="store_true",
        help="exit with status 0 once every document is ready or error",
    )


async def run(args: argparse.Namespace, settings: Settings) -> int:
    choice = create_provider(settings)
    if choice.provider is None:
        problem = choice.problem or "no embedding provider configured"
        async with database(settings) as db:
            await record_missing_provider(db, problem)
        error(problem)
        return 2
    worker = Worker(settings, choice.provider)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, worker.request_stop)
    try:
        await worker.run(until_idle=args.until_idle)
    finally:
        await choice.provider.aclose()
    return 0
