"""Run every docdesk benchmark and write the results page docs/benchmarks.md with its plots.

Run from the repository root, on an otherwise idle machine:

    python -m benchmarks.run_all              # 3 runs of every figure, about 13 minutes on 2 cores
    python -m benchmarks.run_all --runs 1     # one run of every figure
    python benchmarks/run_all.py --output /tmp/bench-docs

Everything runs on this machine: the embedding provider is the fake OpenAI
server on 127.0.0.1 and the local model is the one shipped in a package.
Warnings and errors of the benchmarked code go to a log file, whose path is
printed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path

# A plain script run from anywhere finds the package of this checkout.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.report import write_report  # noqa: E402
from benchmarks.suite import full_config, run_suite  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs of every figure (default 3)")
    parser.add_argument(
        "--output", type=Path, default=REPO_ROOT / "docs", help="folder for benchmarks.md and its plots (default docs/)"
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs must be at least 1, got {args.runs}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    log_file = Path(tempfile.gettempdir()) / "docdesk-benchmarks.log"
    logging.basicConfig(level=logging.WARNING, filename=log_file, filemode="w",
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    started = time.monotonic()

    def progress(message: str) -> None:
        print(f"[{time.monotonic() - started:6.0f} s] {message}", flush=True)

    results = asyncio.run(run_suite(full_config(args.runs), progress))
    page = write_report(results, args.output)
    progress(f"wrote {page}; log in {log_file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
