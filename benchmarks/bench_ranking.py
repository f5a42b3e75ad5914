"""Time query ranking over stored vectors: read the matrix, rank it, build the whole export.

Run from the repository root:

    python benchmarks/bench_ranking.py                 # 5,000 chunks of 1,536 dimensions
    python benchmarks/bench_ranking.py --chunks 20000  # other sizes

The database is a temporary file filled with random unit vectors through the store's
own save path, so the timings include SQLite and the BLOB decoding. The query vector
comes from a fixed random vector, not a model: embedding time is not measured.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

# A plain script run from anywhere finds the package of this checkout.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from docdesk.core.export import ExportRequest, build_export  # noqa: E402
from docdesk.core.export.ranking import rank  # noqa: E402
from docdesk.core.models import Chunk  # noqa: E402
from docdesk.core.store.chunks import ReadyResult, read_vectors, save_ready  # noqa: E402
from docdesk.core.store.connection import open_database  # noqa: E402
from docdesk.core.store.documents import NewDocument, insert_document  # noqa: E402
from docdesk.core.store.queue import claim_next  # noqa: E402

MODEL = "bench-model"
WORKER = "bench-worker"


class FixedVectorProvider:
    """Returns one fixed vector for any text, so only docdesk's own work is timed."""

    def __init__(self, vector: npt.NDArray[np.float32]) -> None:
        self._vector = vector

    name = "bench"
    model = MODEL
    max_input_tokens = 8191
    max_batch_inputs = 2048
    max_batch_tokens = 300_000

    def count_tokens(self, text: str) -> int:
        return len(text) // 4 + 1

    async def embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        return np.tile(self._vector, (len(texts), 1))

    async def aclose(self) -> None:
        return None


def unit_rows(generator: np.random.Generator, rows: int, dim: int) -> npt.NDArray[np.float32]:
    matrix = generator.standard_normal((rows, dim)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix


async def fill_database(path: Path, chunks: int, documents: int, dim: int, seed: int) -> list[str]:
    """Store `chunks` chunks spread over `documents` ready documents; return their ids."""
    generator = np.random.default_rng(seed)
    db = await open_database(path)
    ids: list[str] = []
    try:
        per_document = [chunks // documents + (1 if i < chunks % documents else 0) for i in range(documents)]
        for number, count in enumerate(per_document):
            new = NewDocument(
                user_id="bench", filename=f"doc{number}.txt", storage_path=f"/nonexistent/doc{number}.txt",
                content_hash=f"bench-{number}", mime="text/plain", size=0, title=f"Document {number}",
                title_source="user",
            )
            document, _ = await insert_document(db, new)
            claimed = await claim_next(db, WORKER, 60_000)
            assert claimed is not None and claimed.id == document.id
            texts = [Chunk(i, f"Chunk {i} of document {number}. " * 20) for i in range(count)]
            result = ReadyResult(texts, unit_rows(generator, count, dim), MODEL, None, None)
            await save_ready(db, document.id, WORKER, result)
            ids.append(document.id)
    finally:
        await db.close()
    return ids


async def time_runs(runs: int, step: Callable[[], Awaitable[object]]) -> list[float]:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        await step()
        timings.append(time.perf_counter() - start)
    return timings


def describe_machine() -> list[str]:
    lines = [
        f"python {platform.python_version()} on {platform.platform()}",
        f"processor: {platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs",
        f"numpy {np.__version__}",
    ]
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        lines.append("BLAS: unknown (threadpoolctl not installed)")
    else:
        for pool in threadpool_info():
            lines.append(
                f"BLAS: {pool.get('internal_api')} {pool.get('version')}, "
                f"{pool.get('num_threads')} threads, kernel {pool.get('architecture')}"
            )
    for variable in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS"):
        if variable in os.environ:
            lines.append(f"{variable}={os.environ[variable]}")
    return lines


def summary(label: str, timings: list[float]) -> str:
    milliseconds = [t * 1000 for t in timings]
    runs = ", ".join(f"{m:.1f}" for m in milliseconds)
    spread = max(milliseconds) - min(milliseconds)
    return (
        f"{label:<32} median {statistics.median(milliseconds):8.1f} ms   "
        f"min {min(milliseconds):8.1f}   max {max(milliseconds):8.1f}   spread {spread:6.1f}   runs: {runs}"
    )


async def benchmark(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="docdesk-bench-") as folder:
        path = Path(folder) / "bench.sqlite3"
        ids = await fill_database(path, args.chunks, args.documents, args.dim, args.seed)
        query = unit_rows(np.random.default_rng(args.seed + 1), 1, args.dim)[0]
        db = await open_database(path)
        try:
            _, matrix = await read_vectors(db, ids, MODEL)

            async def read_step() -> object:
                return await read_vectors(db, ids, MODEL)

            async def rank_step() -> object:
                return rank(query, matrix)

            async def build_step() -> object:
                request = ExportRequest(query="benchmark", max_tokens=args.max_tokens)
                return await build_export(db, FixedVectorProvider(query), request)

            results = [
                ("read_vectors (SQLite to matrix)", await time_runs(args.runs, read_step)),
                ("rank (cosine + argsort)", await time_runs(args.runs, rank_step)),
                ("build_export (whole query export)", await time_runs(args.runs, build_step)),
            ]
        finally:
            await db.close()
    print(f"ranking {args.chunks} chunks of {args.dim} dimensions in {args.documents} documents, {args.runs} runs")
    for line in describe_machine():
        print(f"  {line}")
    for label, timings in results:
        print(summary(label, timings))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=5000, help="chunks in total (default: 5000)")
    parser.add_argument("--dim", type=int, default=1536, help="vector dimensions (default: 1536)")
    parser.add_argument("--documents", type=int, default=50, help="documents the chunks are spread over (default: 50)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each step (default: 3)")
    parser.add_argument("--max-tokens", type=int, default=4000, help="budget of the whole export (default: 4000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the vectors (default: 0)")
    args = parser.parse_args(argv)
    if args.chunks < args.documents or args.documents < 1 or args.runs < 1 or args.dim < 1:
        parser.error("need runs >= 1, dim >= 1 and chunks >= documents >= 1")
    return args


if __name__ == "__main__":
    asyncio.run(benchmark(parse_args()))
