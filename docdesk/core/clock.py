"""Wall-clock time in epoch milliseconds, the unit of every time column in the store."""

import time


def now_ms() -> int:
    return int(time.time() * 1000)
