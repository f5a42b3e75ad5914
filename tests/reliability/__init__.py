"""Reliability tests: provider faults, crashes, bad input, concurrency and security."""
