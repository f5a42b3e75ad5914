"""The table's document filter: a text search plus an optional status and subject."""

from __future__ import annotations

from dataclasses import dataclass

from docdesk.core.models import Document, Status


@dataclass(frozen=True, slots=True)
class DocumentFilter:
    """A filter over documents, in which empty fields match everything."""

    text: str = ""
    status: Status | None = None
    subject: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.text.strip()) or self.status is not None or self.subject is not None

    def matches(self, document: Document) -> bool:
        if self.status is not None and document.status is not self.status:
            return False
        if self.subject is not None and (document.subject or "").casefold() != self.subject.casefold():
            return False
        needle = self.text.strip().casefold()
        if not needle:
            return True
        haystack = " ".join(
            part for part in (document.title, document.filename, document.subject, document.grade) if part
        )
        return needle in haystack.casefold()
