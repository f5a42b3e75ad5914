"""Normalise extracted text so that search and embeddings see clean, comparable words."""

from __future__ import annotations

import re
import unicodedata

# Vertical tab is the manual line break in some Word exports.
_LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x85\u2028]")
_PAGE_OR_PARAGRAPH_BREAKS = re.compile(r"[\x0c\u2029]")

# A letter, a hyphen at the end of a line, then a letter starting the next line. The
# second letter is captured in a lookahead so that chains like "a-\nb-\nc" all match.
_HYPHEN_AT_LINE_END = re.compile(r"([^\W\d_])[-\u2010\u00ad][ \t]*\n[ \t]*(?=([^\W\d_]))")

# Unicode category Cc (C0 and C1 controls, NUL included) except tab and newline, the soft
# hyphen, the byte order mark, and lone surrogates left by broken decoding, which would
# fail later when the text is encoded as UTF-8.
_INVISIBLE_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\ufeff\ud800-\udfff]")
_SPACE_RUNS = re.compile(r" {2,}")
_LINE_EDGE_BLANKS = re.compile(r"^[ \t]+|[ \t]+$", re.MULTILINE)
_BLANK_LINE_RUNS = re.compile(r"\n{3,}")
_SINGLE_LINE_BREAK = re.compile(r"(?<!\n)\n(?!\n)")
_HYPHEN_LINE_BREAK = re.compile(r"(?<=[^\W\d_]-)\n(?!\n)")


def normalize_text(text: str) -> str:
    """Return text in NFKC form with clean whitespace and no control characters.

    Line breaks become "\\n", and form feeds become a paragraph break. NFKC turns
    ligatures such as "ﬂ" into "fl". A word hyphenated at a line end is joined again when
    the next line starts with a lowercase letter, while a hyphen inside a line stays.
    Control characters other than newline and tab are dropped. Runs of spaces become one
    space, spaces and tabs at line edges go, and blank-line runs become one blank line,
    which marks a paragraph break.
    """
    text = _LINE_BREAKS.sub("\n", text)
    text = _PAGE_OR_PARAGRAPH_BREAKS.sub("\n\n", text)
    text = unicodedata.normalize("NFKC", text)
    text = _HYPHEN_AT_LINE_END.sub(_join_wrapped_word, text)
    text = _INVISIBLE_CHARACTERS.sub("", text)
    text = _SPACE_RUNS.sub(" ", text)
    text = _LINE_EDGE_BLANKS.sub("", text)
    text = _BLANK_LINE_RUNS.sub("\n\n", text)
    return text.strip()


def _join_wrapped_word(match: re.Match[str]) -> str:
    # A capital after the break ("Nord-\nSüd") more likely starts the second part of a
    # real compound, so that hyphen and line break stay.
    if match.group(2).islower():
        return match.group(1)
    return match.group(0)


def unwrap_lines(text: str) -> str:
    """Join the lines of each paragraph of normalised text, keeping blank-line breaks.

    Meant for PDF text, where a line break only marks where the layout wrapped a line.
    A line ending in a letter and a hyphen joins the next line without a space
    ("Nord-Süd"), because normalize_text left that hyphen as a real one.
    """
    text = _HYPHEN_LINE_BREAK.sub("", text)
    return _SINGLE_LINE_BREAK.sub(" ", text)
