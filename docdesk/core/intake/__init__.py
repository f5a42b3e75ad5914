"""Intake: checks a file before docdesk stores it."""
