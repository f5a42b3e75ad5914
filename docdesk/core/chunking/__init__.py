"""Chunking: splits extracted pages into pieces sized for one embedding input."""
