"""Tutor context export: ready documents as Markdown or JSON within a token budget.

The app and the command line call `build_export` and show `ExportResult.text`; the
package never imports Textual.
"""

from docdesk.core.export.build import build_export
from docdesk.core.export.errors import ExportBudgetError, ExportError, ExportProviderError, ExportSelectionError
from docdesk.core.export.render import render
from docdesk.core.export.request import DEFAULT_MAX_TOKENS, TOKEN_ESTIMATE_RULE, ExportFormat, ExportRequest
from docdesk.core.export.result import DocumentCut, ExportResult, Passage, SkippedDocument

__all__ = [
    "DEFAULT_MAX_TOKENS",
    "TOKEN_ESTIMATE_RULE",
    "DocumentCut",
    "ExportBudgetError",
    "ExportError",
    "ExportFormat",
    "ExportProviderError",
    "ExportRequest",
    "ExportResult",
    "ExportSelectionError",
    "Passage",
    "SkippedDocument",
    "build_export",
    "render",
]
