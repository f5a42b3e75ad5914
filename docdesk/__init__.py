"""docdesk: turn PDF, DOCX and text files into embedded, cited tutor context."""

__version__ = "0.1.0"
