"""The docdesk core: store, intake, extraction, chunking, providers, worker and export.

Nothing under this package imports Textual, so the command line, headless
workers and tests can use it alone.
"""
