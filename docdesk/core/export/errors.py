"""Errors of the tutor context export; each message names the value at fault and the fix."""

from __future__ import annotations

from docdesk.core.errors import DocdeskError


class ExportError(DocdeskError):
    """The export cannot be built; nothing was written."""


class ExportSelectionError(ExportError):
    """The requested documents cannot be exported; the message names each and why."""


class ExportBudgetError(ExportError):
    """The token budget is too small for the export's headings and cut report alone."""


class ExportProviderError(ExportError):
    """A query needs an embedding provider, and none is usable for it."""
