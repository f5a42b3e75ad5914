"""Median and spread of repeated measurements."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Spread:
    """The median of repeated runs with their minimum and maximum."""

    median: float
    low: float
    high: float
    runs: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        if not values:
            raise ValueError("a spread needs at least one value")
        return cls(statistics.median(values), min(values), max(values), len(values))

    def format(self, digits: int = 2, unit: str = "") -> str:
        """Format as "median (min-max) unit", e.g. "0.98 (0.97-0.99)"."""
        suffix = f" {unit}" if unit else ""
        if self.runs == 1:
            return f"{self.median:,.{digits}f}{suffix} (1 run)"
        return f"{self.median:,.{digits}f} ({self.low:,.{digits}f}–{self.high:,.{digits}f}){suffix}"
