"""Text extraction from PDF, DOCX, TXT and Markdown files.

`extract_file` runs in the calling process. `ExtractionRunner` runs it in worker
processes with a time and memory limit per document.
"""

from docdesk.core.extraction.extract import extract_file
from docdesk.core.extraction.runner import ExtractionRunner

__all__ = ["ExtractionRunner", "extract_file"]
