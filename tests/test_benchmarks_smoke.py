"""A fast run of every benchmark on tiny inputs: the results must be well formed, never fast."""

from __future__ import annotations

import asyncio
import json
import math
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from benchmarks.corpus import SHARED_CORPUS, CorpusSpec
from benchmarks.report import write_report
from benchmarks.suite import SuiteConfig, SuiteResults, run_suite
from benchmarks.throughput import Tier

TINY_TIER = Tier(
    "tiny",
    requests_per_minute=600,
    tokens_per_minute=10_000,
    corpus=CorpusSpec(4, 1, small_paragraphs=(3, 6), large_paragraphs=(20, 30), include_shared=False),
    timeout_seconds=60,
)
SMALL_FILES = (SHARED_CORPUS / "multicolumn-lorem-ipsum.txt", SHARED_CORPUS / "pdf" / "google-doc-document.pdf")


@pytest.fixture(scope="module")
def results() -> SuiteResults:
    config = SuiteConfig(
        runs=1,
        tiers=(TINY_TIER,),
        original_ticks=1,
        extraction_files=SMALL_FILES,
        extraction_passes=(1,),
        extraction_workers=(1, 2),
        local_texts=4,
        app_rows=200,
        app_changed_rows=20,
    )
    return asyncio.run(run_suite(config, progress=lambda _: None))


@pytest.fixture(scope="module")
def page(results: SuiteResults, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(results, tmp_path_factory.mktemp("docs"))


def test_throughput_run_counts(results: SuiteResults) -> None:
    [run] = results.throughput["tiny"]
    assert run.documents == 5
    assert run.ready == 5
    assert run.chunks > 0
    assert run.requests > 0
    assert run.texts_sent_twice == 0
    assert run.completed


def test_throughput_ratio_finite(results: SuiteResults) -> None:
    [run] = results.throughput["tiny"]
    assert run.bound_chunks > 0
    assert math.isfinite(run.ratio)
    assert run.ratio > 0


def test_original_loop_tick(results: SuiteResults) -> None:
    [run] = results.original["tiny"]
    [tick] = run.ticks
    assert tick.documents == 5
    assert tick.chunks > 0
    assert tick.requests >= tick.chunks, "the original loop sends one request per chunk"
    assert run.chunks_per_minute > 0


def test_extraction_runs(results: SuiteResults) -> None:
    assert [run.workers for run in results.extraction] == [1, 2]
    assert all(run.pages == 2 for run in results.extraction)
    assert all(run.failed == 0 for run in results.extraction)


def test_local_provider_run(results: SuiteResults) -> None:
    pytest.importorskip("sentence_transformers")
    assert results.local is not None
    [run] = results.local.runs
    assert run.texts == 4
    assert run.max_difference < 1e-3, "provider and plain encode must embed the same way"


def test_app_run(results: SuiteResults) -> None:
    [run] = results.app
    assert run.rows_shown == 200
    assert run.apply_seconds >= 0
    assert run.end_to_end_seconds >= run.apply_seconds


def test_page_filled(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert "${" not in text
    assert "| throughput / bound |" in text


def test_plots_are_svg(page: Path) -> None:
    plots = sorted((page.parent / "benchmarks").glob("*.svg"))
    assert [plot.name for plot in plots] == ["extraction.svg", "local.svg", "ratio.svg", "throughput-tiny.svg"]
    for plot in plots:
        assert ElementTree.parse(plot).getroot().tag == "{http://www.w3.org/2000/svg}svg"


def test_raw_results_json(page: Path) -> None:
    data = json.loads((page.parent / "benchmarks" / "results.json").read_text(encoding="utf-8"))
    assert data["throughput"]["tiny"][0]["chunks"] > 0
