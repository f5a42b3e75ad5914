"""The ranking benchmark script runs end to end at tiny sizes; timings are printed, never asserted."""

from __future__ import annotations

import subprocess
import sys

from tests.cli_runner import REPO_ROOT


def test_bench_ranking_smoke() -> None:
    completed = subprocess.run(
        [sys.executable, "benchmarks/bench_ranking.py", "--chunks", "40", "--dim", "8", "--documents", "4"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "ranking 40 chunks of 8 dimensions in 4 documents, 3 runs" in completed.stdout
    assert "numpy" in completed.stdout
    assert completed.stdout.count("runs: ") == 3
