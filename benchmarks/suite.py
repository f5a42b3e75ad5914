"""Every benchmark in one run, with the sizes of the full run and of the smoke test."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.corpus import CorpusSpec, shared_files
from benchmarks.extraction_bench import ExtractionRun, measure_extraction
from benchmarks.local_bench import LocalRun, load_models, measure_local
from benchmarks.machine import Machine, describe_machine, load_average, other_share, sample_cpu
from benchmarks.original_loop import DOCUMENTS_PER_TICK, OriginalRun, run_original
from benchmarks.throughput import ThroughputRun, Tier, corpus_paths, measure_tier
from docdesk.core.providers.errors import ProviderUnavailableError

if TYPE_CHECKING:
    from benchmarks.app_bench import AppRun

Progress = Callable[[str], None]

# Small documents take one to two chunks and large ones 10 to 40, so that most
# chunks are close to 700 tokens and the token limit is what binds.
_SMALL_PARAGRAPHS = (3, 18)
_LARGE_PARAGRAPHS = (90, 360)

TIER_1 = Tier(
    "tier-1",
    requests_per_minute=3_000,
    tokens_per_minute=1_000_000,
    corpus=CorpusSpec(900, 100, _SMALL_PARAGRAPHS, _LARGE_PARAGRAPHS),
)
TIGHT = Tier(
    "tight",
    requests_per_minute=60,
    tokens_per_minute=150_000,
    corpus=CorpusSpec(90, 10, _SMALL_PARAGRAPHS, _LARGE_PARAGRAPHS),
    note=(
        "This is a tenth of the tier-1 corpus in the same mix, because at 150,000 tokens a minute the full "
        "corpus would take about 16 minutes a run; the limits are not scaled."
    ),
)


@dataclass(frozen=True, slots=True)
class SuiteConfig:
    """How much of each benchmark to run. An `extraction_files` of None means the shared corpus."""

    runs: int
    tiers: tuple[Tier, ...]
    original_ticks: int
    extraction_files: tuple[Path, ...] | None
    extraction_passes: tuple[int, ...]
    extraction_workers: tuple[int, ...]
    local_texts: int
    app_rows: int
    app_changed_rows: int


def full_config(runs: int = 3) -> SuiteConfig:
    return SuiteConfig(
        runs=runs,
        tiers=(TIER_1, TIGHT),
        original_ticks=10,
        extraction_files=None,
        extraction_passes=(1, 4),
        extraction_workers=(1, 2),
        local_texts=128,
        app_rows=10_000,
        app_changed_rows=100,
    )


@dataclass(frozen=True, slots=True)
class LocalResults:
    runs: list[LocalRun]
    provider_load_seconds: float
    plain_load_seconds: float


@dataclass
class SuiteResults:
    config: SuiteConfig
    machine: Machine
    started_at: datetime
    load_before: tuple[float, float, float] | None
    load_after: tuple[float, float, float] | None = None
    seconds: float = 0.0
    throughput: dict[str, list[ThroughputRun]] = field(default_factory=dict)
    original: dict[str, list[OriginalRun]] = field(default_factory=dict)
    extraction: list[ExtractionRun] = field(default_factory=list)
    local: LocalResults | None = None
    app: list[AppRun] = field(default_factory=list)
    # Why a benchmark could not run (a missing optional package), shown in the page.
    problems: dict[str, str] = field(default_factory=dict)
    # Share of the machine's CPU time that other processes used during each step, or None if unknown.
    others_cpu: dict[str, float | None] = field(default_factory=dict)


async def run_throughput(config: SuiteConfig, results: SuiteResults, progress: Progress) -> None:
    for tier in config.tiers:
        progress(f"throughput, {tier.name}: {config.runs} runs")
        results.throughput[tier.name] = await measure_tier(tier, config.runs)


async def run_original_design(config: SuiteConfig, results: SuiteResults, progress: Progress) -> None:
    for tier in config.tiers:
        progress(f"original loop, {tier.name}: {config.runs} runs of {config.original_ticks} ticks")
        with tempfile.TemporaryDirectory(prefix="docdesk-corpus-") as scratch:
            # The loop takes documents in the order they were added, so it only needs the first ones.
            paths = corpus_paths(tier, Path(scratch))[: config.original_ticks * DOCUMENTS_PER_TICK]
            results.original[tier.name] = [
                await run_original(tier, paths, config.original_ticks) for _ in range(config.runs)
            ]


async def run_extraction(config: SuiteConfig, results: SuiteResults, progress: Progress) -> None:
    files = list(config.extraction_files) if config.extraction_files is not None else shared_files()
    if not files:
        results.problems["extraction"] = "the shared corpus was not found beside the repository"
        return
    progress(f"extraction: {len(files)} files, workers {config.extraction_workers}, passes {config.extraction_passes}")
    for passes in config.extraction_passes:
        for _ in range(config.runs):
            for workers in config.extraction_workers:
                results.extraction.append(await measure_extraction(files, workers, passes))


async def run_local(config: SuiteConfig, results: SuiteResults, progress: Progress) -> None:
    try:
        models = await load_models(config.local_texts)
    except (ImportError, ProviderUnavailableError) as error:
        results.problems["local"] = f"not run: {error}"
        return
    progress(f"local provider: {len(models.texts)} texts, {config.runs} runs")
    runs = [await measure_local(models) for _ in range(config.runs)]
    results.local = LocalResults(runs, models.provider_load_seconds, models.plain_load_seconds)
    await models.provider.aclose()


async def run_app(config: SuiteConfig, results: SuiteResults, progress: Progress) -> None:
    # The app is imported only here, so the other benchmarks run even when it cannot be.
    try:
        from benchmarks.app_bench import measure_app
    except ImportError as error:
        results.problems["app"] = f"not run: the terminal app cannot be imported ({error})"
        return
    progress(f"terminal app: {config.app_rows} documents, {config.runs} runs")
    results.app = [await measure_app(config.app_rows, config.app_changed_rows) for _ in range(config.runs)]


STEPS = (
    ("throughput", run_throughput),
    ("original loop", run_original_design),
    ("extraction", run_extraction),
    ("local provider", run_local),
    ("app", run_app),
)


async def run_suite(config: SuiteConfig, progress: Progress) -> SuiteResults:
    results = SuiteResults(config, describe_machine(), datetime.now(UTC), load_average())
    started = time.monotonic()
    for name, step in STEPS:
        before = sample_cpu()
        await step(config, results, progress)
        results.others_cpu[name] = other_share(before, sample_cpu(), results.machine.cores)
        # Lets the pools and servers of one step finish closing before the next is timed.
        await asyncio.sleep(0.5)
    results.seconds = time.monotonic() - started
    results.load_after = load_average()
    return results
