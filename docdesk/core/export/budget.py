"""Fitting passages into a token budget: fair shares without a query, best first with one.

Costs are estimated tokens of each passage's rendered block. The estimate rounds
each piece up, so the blocks' costs add up to at least the cost of their
concatenation. A plan within budget therefore renders within budget, except for
small changes in the header, and build.py checks the whole text for those.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence

from docdesk.core.chunking.tokens import estimate_tokens
from docdesk.core.export.result import Passage

PassageCost = Callable[[Passage], int]

# A passage cut shorter than this carries too little text to be worth its citation line.
MIN_PARTIAL_TOKENS = 32


def water_fill(demands: Sequence[int], budget: int) -> list[int]:
    """Split `budget` into one share per demand, fairly.

    Each demand gets an equal part of what is left, capped at the demand itself, and
    what it leaves unused goes to the others. The smallest demands are served first.
    Shares are whole tokens, so up to len(demands) - 1 tokens may stay unassigned.
    """
    shares = [0] * len(demands)
    remaining = max(budget, 0)
    order = sorted(range(len(demands)), key=lambda i: demands[i])
    for served, index in enumerate(order):
        equal_part = remaining // (len(demands) - served)
        shares[index] = min(max(demands[index], 0), equal_part)
        remaining -= shares[index]
    return shares


def truncate_to_fit(passage: Passage, max_cost: int, cost: PassageCost) -> Passage | None:
    """Return `passage` cut short so that cost() is at most `max_cost`, or None when too little would be left.

    The cut falls after a whole word, unless the text has no space in its last half
    (Chinese or Japanese text, say), where it falls between characters.
    """
    text = passage.text

    def shortened(length: int) -> Passage:
        return dataclasses.replace(passage, text=text[:length].rstrip(), truncated=True)

    # Binary search for the longest prefix that fits; cost grows with the prefix length.
    low, high = 0, len(text) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if cost(shortened(middle)) <= max_cost:
            low = middle
        else:
            high = middle - 1
    space = max(text.rfind(blank, 0, low + 1) for blank in " \n\t")
    length = space if space >= low // 2 else low
    candidate = shortened(length)
    if estimate_tokens(candidate.text) < MIN_PARTIAL_TOKENS or cost(candidate) > max_cost:
        return None
    return candidate


def fill_in_order(passages: Sequence[Passage], room: int, cost: PassageCost) -> list[Passage]:
    """Take passages in order while they fit in `room`, then as much of the next one as fits."""
    kept: list[Passage] = []
    for passage in passages:
        price = cost(passage)
        if price <= room:
            kept.append(passage)
            room -= price
            continue
        partial = truncate_to_fit(passage, room, cost)
        if partial is not None:
            kept.append(partial)
        break
    return kept


def plan_reading_order(
    documents: Sequence[Sequence[Passage]],
    heading_costs: Sequence[int],
    budget: int,
    cost: PassageCost,
) -> list[list[Passage]]:
    """Return each document's kept passages in reading order, sharing `budget` between documents by water_fill.

    A share may be too small for even a cut-short passage. Then the last such document
    in the given order is left out and the shares are computed again. A small budget
    thus goes to the first documents instead of being spread too thin to use.
    """
    demands = [
        heading + sum(cost(p) for p in passages) if passages else 0
        for passages, heading in zip(documents, heading_costs, strict=True)
    ]
    minimums = [
        _smallest_useful(passages, heading, cost)
        for passages, heading in zip(documents, heading_costs, strict=True)
    ]
    while True:
        shares = water_fill(demands, budget)
        starved = [i for i, share in enumerate(shares) if share < demands[i] and share < minimums[i]]
        if not starved:
            break
        demands[starved[-1]] = 0
    plan: list[list[Passage]] = []
    for passages, heading, share in zip(documents, heading_costs, shares, strict=True):
        plan.append(fill_in_order(passages, share - heading, cost) if share > heading else [])
    return plan


def _smallest_useful(passages: Sequence[Passage], heading: int, cost: PassageCost) -> int:
    """Return the tokens a document needs for its heading and a passage of MIN_PARTIAL_TOKENS."""
    if not passages:
        return 0
    empty = dataclasses.replace(passages[0], text="", truncated=True)
    return heading + cost(empty) + MIN_PARTIAL_TOKENS


def plan_ranked(
    ranked: Iterable[Passage],
    heading_costs: dict[str, int],
    budget: int,
    cost: PassageCost,
) -> list[Passage]:
    """Take passages best first until `budget` is spent, cutting the first one that no longer fits.

    A document's heading is paid for with its first passage.
    """
    kept: list[Passage] = []
    opened: set[str] = set()
    room = budget
    for passage in ranked:
        heading = 0 if passage.doc_id in opened else heading_costs[passage.doc_id]
        price = heading + cost(passage)
        if price <= room:
            kept.append(passage)
            opened.add(passage.doc_id)
            room -= price
            continue
        partial = truncate_to_fit(passage, room - heading, cost) if room > heading else None
        if partial is not None:
            kept.append(partial)
        break
    return kept
