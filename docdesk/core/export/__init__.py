"""Tutor context export: selected ready documents as Markdown or JSON."""
