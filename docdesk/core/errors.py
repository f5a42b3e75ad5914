"""Errors that end a document's processing for good, with a reason a person understands."""


class DocdeskError(Exception):
    """Base class for errors raised by the docdesk core."""


class PermanentDocumentError(DocdeskError):
    """A document cannot be processed and retrying will not help.

    `str(error)` is the one-line reason shown to the user and stored in `last_error`.
    """


class ExtractionError(PermanentDocumentError):
    """Text could not be extracted (password-protected, corrupt, no text, wrong type)."""


class RejectedFileError(DocdeskError):
    """A file was rejected at intake; the message names the file and what to do."""
