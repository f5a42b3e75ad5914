"""Text normalisation: Unicode form, line breaks, hyphenation, whitespace and controls."""

from __future__ import annotations

import pytest

from docdesk.core.extraction.normalize import normalize_text, unwrap_lines


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Auﬂage", "Auflage"),
        ("ﬁnal ﬀ", "final ff"),
        ("Ｆｕｌｌｗｉｄｔｈ", "Fullwidth"),
        ("non\u00a0breaking", "non breaking"),
    ],
)
def test_nfkc(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("exam-\nple", "example"),
        ("exam-  \n  ple", "example"),
        ("Geo-\nmetrie und Topo-\nlogie", "Geometrie und Topologie"),
        ("a-\nb-\nc", "abc"),
        ("soft\u00ad\nly", "softly"),
        ("Nord-\nSüd", "Nord-\nSüd"),
        ("well-known fact", "well-known fact"),
        ("pages 10-\n12", "pages 10-\n12"),
        ("end -\nstart", "end -\nstart"),
    ],
)
def test_hyphenation(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_hyphen_across_blank_line_kept() -> None:
    assert normalize_text("list-\n\nitem") == "list-\n\nitem"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\r\nb\rc", "a\nb\nc"),
        ("a\u2028b", "a\nb"),
        ("a\x0cb", "a\n\nb"),
        ("a\u2029b", "a\n\nb"),
    ],
)
def test_line_breaks(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_controls_dropped() -> None:
    assert normalize_text("a\x00b\x07c\x1bd\x7fe\x9ff") == "abcdef"


def test_tab_kept() -> None:
    assert normalize_text("name\tvalue") == "name\tvalue"


def test_bom_and_surrogate_dropped() -> None:
    assert normalize_text("\ufeffstart \ud800end") == "start end"


def test_space_runs_collapsed() -> None:
    assert normalize_text("a   b    c") == "a b c"


def test_line_edges_trimmed() -> None:
    assert normalize_text("  indented  \n  next  ") == "indented\nnext"


def test_paragraph_breaks_kept() -> None:
    assert normalize_text("one\n\n\n\n two \n \n three") == "one\n\ntwo\n\nthree"


def test_whitespace_only_becomes_empty() -> None:
    assert normalize_text(" \n\t \r\n \x00 ") == ""


def test_arabic_diacritics_kept() -> None:
    assert normalize_text("حَبيبي habibi") == "حَبيبي habibi"


def test_unwrap_joins_lines() -> None:
    assert unwrap_lines("Einführung in die\nGeometrie und Topologie") == ("Einführung in die Geometrie und Topologie")


def test_unwrap_keeps_paragraphs() -> None:
    assert unwrap_lines("a\nb\n\nc\nd") == "a b\n\nc d"


def test_unwrap_real_hyphen() -> None:
    assert unwrap_lines("Nord-\nSüd") == "Nord-Süd"


def test_unwrap_dash_after_space() -> None:
    assert unwrap_lines("before -\nafter") == "before - after"
