"""The docdesk terminal app (Textual), a thin layer over docdesk.core."""
