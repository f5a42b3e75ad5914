"""Token estimates and chunking: limits hold for any input, pages and order are kept."""

from __future__ import annotations

import math
import random
import time
from pathlib import Path

import pytest

from docdesk.core.chunking.chunker import chunk_pages
from docdesk.core.chunking.tokens import estimate_tokens
from docdesk.core.extraction import extract_file
from docdesk.core.intake.filetypes import MIME_PDF
from docdesk.core.models import Chunk, Page

REPO_ROOT = Path(__file__).resolve().parents[1]
WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]


def _random_words(count: int, seed: int = 7) -> str:
    generator = random.Random(seed)
    return " ".join(generator.choice(WORDS) for _ in range(count))


def _assert_within_limit(chunks: list[Chunk], max_tokens: int) -> None:
    for chunk in chunks:
        tokens = estimate_tokens(chunk.text)
        assert tokens <= max_tokens, f"chunk {chunk.ordinal} has {tokens} tokens"


def _assert_no_blank_chunks(chunks: list[Chunk]) -> None:
    for chunk in chunks:
        assert chunk.text.strip(), f"chunk {chunk.ordinal} is blank"


# --- estimate_tokens ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("abcd", 1),
        ("abcde", 2),
        ("é", 1),
        ("abc é", 2),
        ("日本語", 3),
        ("a" * 4000, 1000),
    ],
)
def test_estimate_tokens(text: str, expected: int) -> None:
    assert estimate_tokens(text) == expected


def test_estimate_matches_formula() -> None:
    text = "Grüße, 世界! " * 37
    ascii_chars = sum(1 for char in text if ord(char) < 128)
    non_ascii_chars = len(text) - ascii_chars
    assert estimate_tokens(text) == math.ceil(ascii_chars / 4 + non_ascii_chars)


# --- packing -----------------------------------------------------------------------------------


def test_small_paragraphs_packed() -> None:
    chunks = chunk_pages([Page(None, "One.\n\nTwo.\n\nThree.")], 100, estimate_tokens)
    assert [chunk.text for chunk in chunks] == ["One.\n\nTwo.\n\nThree."]


def test_packing_across_pages() -> None:
    pages = [Page(1, "First page."), Page(2, "Second page.")]
    chunks = chunk_pages(pages, 100, estimate_tokens)
    assert len(chunks) == 1
    assert (chunks[0].page_start, chunks[0].page_end) == (1, 2)


def test_page_ranges_follow_content() -> None:
    pages = [Page(1, "a" * 40), Page(2, "b" * 40), Page(3, "c" * 40)]
    chunks = chunk_pages(pages, 10, estimate_tokens)
    assert [(chunk.page_start, chunk.page_end) for chunk in chunks] == [(1, 1), (2, 2), (3, 3)]


def test_pageless_pages() -> None:
    chunks = chunk_pages([Page(None, "Body text.")], 100, estimate_tokens)
    assert (chunks[0].page_start, chunks[0].page_end) == (None, None)


def test_paragraph_boundaries_preferred() -> None:
    first = _random_words(60, seed=1)
    second = _random_words(60, seed=2)
    chunks = chunk_pages([Page(None, f"{first}\n\n{second}")], 100, estimate_tokens)
    assert [chunk.text for chunk in chunks] == [first, second]


def test_sentence_boundaries_preferred() -> None:
    sentences = [f"Sentence number {index} ends here." for index in range(200)]
    chunks = chunk_pages([Page(None, " ".join(sentences))], 50, estimate_tokens)
    for chunk in chunks:
        assert chunk.text.endswith("ends here."), chunk.text[-30:]


def test_ordinals_consecutive() -> None:
    chunks = chunk_pages([Page(1, _random_words(5000))], 64, estimate_tokens)
    assert [chunk.ordinal for chunk in chunks] == list(range(len(chunks)))


def test_blank_pages_skipped() -> None:
    pages = [Page(1, ""), Page(2, "  \n\n \t"), Page(3, "Real text.")]
    chunks = chunk_pages(pages, 100, estimate_tokens)
    assert [(chunk.text, chunk.page_start) for chunk in chunks] == [("Real text.", 3)]


def test_no_pages() -> None:
    assert chunk_pages([], 100, estimate_tokens) == []


def test_invalid_max_tokens() -> None:
    with pytest.raises(ValueError, match="max_tokens must be at least 1"):
        chunk_pages([Page(None, "text")], 0, estimate_tokens)


def test_character_over_limit() -> None:
    def two_per_char(text: str) -> int:
        return 2 * len(text)

    with pytest.raises(ValueError, match="too small for the single character"):
        chunk_pages([Page(None, "abc")], 1, two_per_char)


# --- oversized input ---------------------------------------------------------------------------


def test_huge_paragraph_within_limit() -> None:
    paragraph = _random_words(20_000)[:100_000]
    chunks = chunk_pages([Page(None, paragraph)], 256, estimate_tokens)
    _assert_within_limit(chunks, 256)
    _assert_no_blank_chunks(chunks)


def test_huge_paragraph_keeps_words() -> None:
    paragraph = _random_words(20_000)[:100_000]
    chunks = chunk_pages([Page(None, paragraph)], 256, estimate_tokens)
    assert " ".join(chunk.text for chunk in chunks) == paragraph


def test_huge_paragraph_chunks_well_filled() -> None:
    paragraph = _random_words(20_000)[:100_000]
    chunks = chunk_pages([Page(None, paragraph)], 256, estimate_tokens)
    # Summed per-word estimates would fill chunks about half; joined counting does better.
    assert min(estimate_tokens(chunk.text) for chunk in chunks[:-1]) >= 200


def test_unbroken_string_within_limit() -> None:
    text = "x" * 50_000
    chunks = chunk_pages([Page(None, text)], 100, estimate_tokens)
    _assert_within_limit(chunks, 100)
    assert "".join(chunk.text for chunk in chunks) == text


def test_unbroken_non_ascii_within_limit() -> None:
    text = "語" * 50_000
    chunks = chunk_pages([Page(None, text)], 300, estimate_tokens)
    _assert_within_limit(chunks, 300)
    assert "".join(chunk.text for chunk in chunks) == text


def test_combining_marks_stay_with_letter() -> None:
    text = "e\u0301" * 10_000
    chunks = chunk_pages([Page(None, text)], 255, estimate_tokens)
    for chunk in chunks:
        assert not chunk.text.startswith("\u0301"), chunk.ordinal


def test_long_word_in_sentence() -> None:
    text = "Short words then " + "y" * 5000 + " and more words."
    chunks = chunk_pages([Page(None, text)], 50, estimate_tokens)
    _assert_within_limit(chunks, 50)
    assert chunks[0].text == "Short words then"


def test_non_additive_tokenizer() -> None:
    # Joined text costs more than its parts: one token per word, plus one per 10 words.
    def superadditive(text: str) -> int:
        words = len(text.split())
        return words + words // 10

    chunks = chunk_pages([Page(None, _random_words(3000))], 40, superadditive)
    for chunk in chunks:
        assert superadditive(chunk.text) <= 40, chunk.ordinal


def test_mixed_whitespace_kept_as_newline() -> None:
    text = "first line\nsecond line " + "word " * 200
    chunks = chunk_pages([Page(None, text)], 20, estimate_tokens)
    assert chunks[0].text.startswith("first line\nsecond")


# --- real document -----------------------------------------------------------------------------


def test_geotopo_fast_and_within_limit() -> None:
    path = REPO_ROOT.parent / "shared" / "corpus" / "pdf" / "GeoTopo-komprimiert.pdf"
    pages = extract_file(path, MIME_PDF).pages

    started = time.perf_counter()
    chunks = chunk_pages(pages, 512, estimate_tokens)
    elapsed = time.perf_counter() - started

    assert elapsed < 0.5
    _assert_within_limit(chunks, 512)
    assert chunks[-1].page_end == 117
