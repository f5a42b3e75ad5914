"""Entry point of the `docdesk` command: parse flags, load settings, dispatch."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from docdesk import __version__
from docdesk.cli.commands import add, export_command, list_command, remove, retry, worker_command
from docdesk.cli.context import error
from docdesk.core.logging_setup import configure_logging
from docdesk.core.settings import SettingsError, load_settings

log = logging.getLogger(__name__)

COMMANDS: dict[str, ModuleType] = {
    "add": add,
    "list": list_command,
    "worker": worker_command,
    "retry": retry,
    "remove": remove,
    "export": export_command,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="docdesk",
        description="Prepare PDF, DOCX and text files as tutor context. "
        "Without a command, opens the terminal app.",
        epilog="Settings also come from environment variables and config.toml; see the README.",
    )
    parser.add_argument("--version", action="version", version=f"docdesk {__version__}")
    parser.add_argument(
        "--db", type=Path, metavar="PATH", help="database file (default: $DOCDESK_DB or the user data dir)"
    )
    parser.add_argument("--watch", type=Path, metavar="DIR", help="app: watch DIR for new files")
    parser.add_argument("--no-worker", action="store_true", help="app: do not run a worker inside the app")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS.values():
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings({"db_path": args.db, "watch_dir": args.watch})
    except SettingsError as problem:
        error(str(problem))
        return 2
    if args.command is None:
        from docdesk.tui.launch import run_app

        exit_code: int = run_app(settings, start_worker=not args.no_worker)
        return exit_code
    stderr_level = logging.INFO if args.command == "worker" else None
    configure_logging(settings, stderr_level=stderr_level)
    try:
        command_exit: int = asyncio.run(COMMANDS[args.command].run(args, settings))
        return command_exit
    except KeyboardInterrupt:
        return 130
    except Exception as failure:  # noqa: BLE001 - last resort: a message for the user, the traceback in the log
        log.exception("docdesk %s failed", args.command)
        error(f"{args.command} failed: {failure} (details in the log)")
        return 1


if __name__ == "__main__":
    sys.exit(main())
