"""Rendering an export in a format, with the token count of the whole rendered text written into it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from docdesk.core.chunking.tokens import estimate_tokens
from docdesk.core.export import json_format, markdown
from docdesk.core.export.request import ExportFormat
from docdesk.core.export.result import ExportResult, Passage
from docdesk.core.models import Document

# A change of token count changes at most its own digits, so the count settles in a few rounds.
_MAX_ROUNDS = 8


@dataclass(frozen=True, slots=True)
class Layout:
    """The pieces of one format that the planner prices separately.

    `render(result, token_count)` returns the header (which states `token_count`), then per
    document `heading(document)` followed by `passage(document, passage)` for each of its passages.
    """

    render: Callable[[ExportResult, int], str]
    heading: Callable[[Document], str]
    passage: Callable[[Document, Passage], str]


LAYOUTS: dict[ExportFormat, Layout] = {
    ExportFormat.MARKDOWN: Layout(markdown.render_markdown, markdown.document_heading, markdown.passage_block),
    ExportFormat.JSON: Layout(json_format.render_json, json_format.document_heading, json_format.passage_block),
}


def render_counted(result: ExportResult, format: ExportFormat) -> tuple[str, int]:
    """Return (text, token count), where the text states exactly its own estimated token count."""
    layout = LAYOUTS[format]
    count = 0
    for _ in range(_MAX_ROUNDS):
        text = layout.render(result, count)
        actual = estimate_tokens(text)
        if actual == count:
            return text, count
        count = actual
    raise RuntimeError(f"the token count of the {format.value} export did not settle in {_MAX_ROUNDS} rounds")


def render(result: ExportResult, format: ExportFormat | str) -> str:
    """Render `result` in `format`.

    The budget is planned for `result.request.format`. Another format has other
    overheads, so its text may exceed `max_tokens`, and its stated token count
    shows by how much.
    """
    text, _ = render_counted(result, ExportFormat(format))
    return text
