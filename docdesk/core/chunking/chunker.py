"""Split pages into chunks that never exceed a token limit.

Paragraphs (separated by blank lines) are packed into chunks greedily, across page
boundaries too. A paragraph over the limit is split into sentences, a sentence over the
limit into words, and a word over the limit into runs of characters.

Every chunk is counted with count_tokens before it is accepted, so no chunk exceeds the
limit, whatever the tokenizer. To keep that fast, the sum of the pieces' own counts
gives a first guess of where a chunk ends, and a galloping search from there counts only
strings of about one chunk, a logarithmic number of times per chunk.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from docdesk.core.models import Chunk, Page

CountTokens = Callable[[str], int]

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
# Whitespace after sentence-ending punctuation, or the point right after a CJK full stop,
# which needs no space.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])\s+|(?<=[。！？])\s*")
_WORD_BREAK = re.compile(r"\s+")
_PARAGRAPH_SEPARATOR = "\n\n"

# Summed piece counts over-estimate a joined text (estimate_tokens rounds each piece up),
# so a chunk may hold more pieces than the sum suggests. The search looks up to this many
# times max_tokens of summed counts ahead, which bounds the length of counted strings.
_SUM_OVERESTIMATE_LIMIT = 4


@dataclass(frozen=True, slots=True)
class _Piece:
    """Text that fits the limit, with the separator that joins it to the piece before."""

    text: str
    tokens: int
    page: int | None
    separator: str


def chunk_pages(pages: list[Page], max_tokens: int, count_tokens: CountTokens) -> list[Chunk]:
    """Split pages into chunks of at most `max_tokens` tokens as `count_tokens` counts them.

    Chunks are numbered from 0 in reading order, hold no empty or whitespace-only text,
    and record the first and last page they draw from (None for page-less formats).
    Raises ValueError when `max_tokens` is below 1 or one character alone exceeds it.
    """
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")

    pieces = list(_pieces(pages, max_tokens, count_tokens))
    chunks: list[Chunk] = []
    for group in _pack(pieces, max_tokens, count_tokens):
        chunks.append(
            Chunk(
                ordinal=len(chunks),
                text=_join(group),
                page_start=group[0].page,
                page_end=group[-1].page,
            )
        )
    return chunks


def _pieces(pages: list[Page], max_tokens: int, count_tokens: CountTokens) -> Iterator[_Piece]:
    for page in pages:
        for paragraph in _PARAGRAPH_BREAK.split(page.text):
            paragraph = paragraph.strip()
            if paragraph:
                yield from _split_to_fit(paragraph, _PARAGRAPH_SEPARATOR, page.number, max_tokens, count_tokens)


def _split_to_fit(
    text: str,
    separator: str,
    page: int | None,
    max_tokens: int,
    count_tokens: CountTokens,
    breaks: tuple[re.Pattern[str], ...] = (_SENTENCE_BREAK, _WORD_BREAK),
) -> Iterator[_Piece]:
    """Yield `text` as one piece if it fits, else split at the coarsest break that exists."""
    tokens = count_tokens(text)
    if tokens <= max_tokens:
        yield _Piece(text, tokens, page, separator)
        return

    for depth, pattern in enumerate(breaks):
        parts = _split_keeping_separators(text, pattern)
        if len(parts) > 1:
            for index, (part_separator, part) in enumerate(parts):
                yield from _split_to_fit(
                    part,
                    separator if index == 0 else part_separator,
                    page,
                    max_tokens,
                    count_tokens,
                    breaks[depth + 1 :],
                )
            return

    yield from _split_characters(text, separator, page, max_tokens, count_tokens)


def _split_keeping_separators(text: str, pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    """Split at `pattern` into (separator before, part) pairs, without empty parts.

    A separator that contains a line break becomes "\\n", any other becomes " " (or ""
    where the break has no whitespace), so joined pieces read like the original.
    """
    parts: list[tuple[str, str]] = []
    separator = ""
    start = 0
    for match in pattern.finditer(text):
        if match.start() > start:
            parts.append((separator, text[start : match.start()]))
        separator = _plain_separator(match.group(), separator if match.start() == start else "")
        start = match.end()
    if start < len(text):
        parts.append((separator, text[start:]))
    return parts


def _plain_separator(whitespace: str, pending: str) -> str:
    if "\n" in whitespace or "\n" in pending:
        return "\n"
    if whitespace or pending:
        return " "
    return ""


def _split_characters(
    text: str, separator: str, page: int | None, max_tokens: int, count_tokens: CountTokens
) -> Iterator[_Piece]:
    start = 0
    while start < len(text):
        end = _longest_fitting_end(text, start, max_tokens, count_tokens)
        piece = text[start:end]
        tokens = count_tokens(piece)

        # Moving the end back keeps a letter with its combining accents or diacritics,
        # as long as the shorter piece still fits.
        safe_end = _end_before_combining_marks(text, start, end)
        if safe_end != end and (safe_tokens := count_tokens(text[start:safe_end])) <= max_tokens:
            end, piece, tokens = safe_end, text[start:safe_end], safe_tokens

        yield _Piece(piece, tokens, page, separator if start == 0 else "")
        start = end


def _longest_fitting_end(text: str, start: int, max_tokens: int, count_tokens: CountTokens) -> int:
    """Return the largest `end` found such that text[start:end] fits, by galloping search.

    The search doubles the step from `max_tokens` characters, then bisects, so it only
    counts strings about one chunk long. Every returned end was counted and fits.
    """

    def fits(end: int) -> bool:
        return count_tokens(text[start:end]) <= max_tokens

    if not fits(start + 1):
        raise ValueError(f"max_tokens={max_tokens} is too small for the single character {text[start]!r}")

    good = start + 1
    step = max_tokens
    bad = len(text) + 1
    while good < len(text):
        candidate = min(good + step, len(text))
        if not fits(candidate):
            bad = candidate
            break
        good = candidate
        step *= 2
    return _largest_fitting(fits, good, bad)


def _end_before_combining_marks(text: str, start: int, end: int) -> int:
    """Return `end` moved back so that text[end] is no combining mark, or `end` if impossible."""
    adjusted = end
    while adjusted > start + 1 and adjusted < len(text) and unicodedata.combining(text[adjusted]):
        adjusted -= 1
    if adjusted < len(text) and unicodedata.combining(text[adjusted]):
        return end
    return adjusted


def _pack(pieces: list[_Piece], max_tokens: int, count_tokens: CountTokens) -> Iterator[list[_Piece]]:
    separator_counts: dict[str, int] = {}

    def count_separator(separator: str) -> int:
        if separator not in separator_counts:
            separator_counts[separator] = count_tokens(separator)
        return separator_counts[separator]

    start = 0
    while start < len(pieces):
        end = _fitting_group_end(pieces, start, max_tokens, count_tokens, count_separator)
        yield pieces[start:end]
        start = end


def _fitting_group_end(
    pieces: list[_Piece],
    start: int,
    max_tokens: int,
    count_tokens: CountTokens,
    count_separator: CountTokens,
) -> int:
    """Return the largest `end` found such that the joined pieces[start:end] fit."""
    summed = pieces[start].tokens
    guess = limit = start + 1
    while limit < len(pieces):
        summed += count_separator(pieces[limit].separator) + pieces[limit].tokens
        if summed > max_tokens * _SUM_OVERESTIMATE_LIMIT:
            break
        limit += 1
        if summed <= max_tokens:
            guess = limit

    def fits(end: int) -> bool:
        # A single piece was counted on its own when it was made.
        return end == start + 1 or count_tokens(_join(pieces[start:end])) <= max_tokens

    if not fits(guess):
        return _largest_fitting(fits, start + 1, guess)

    good = guess
    step = 1
    bad = limit + 1
    while good < limit:
        candidate = min(good + step, limit)
        if not fits(candidate):
            bad = candidate
            break
        good = candidate
        step *= 2
    return _largest_fitting(fits, good, bad)


def _largest_fitting(fits: Callable[[int], bool], good: int, bad: int) -> int:
    """Bisect between `good`, which fits, and `bad`, which does not or is out of range."""
    while bad - good > 1:
        middle = (good + bad) // 2
        if fits(middle):
            good = middle
        else:
            bad = middle
    return good


def _join(group: list[_Piece]) -> str:
    return group[0].text + "".join(piece.separator + piece.text for piece in group[1:])
