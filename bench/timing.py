"""Timing helpers the benches share."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(runs: int, fn: Callable[..., object], *args: object) -> float:
    """The fastest of `runs` calls, in seconds (the least disturbed by the rest of the machine)."""
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        fn(*args)
        timings.append(time.perf_counter() - start)
    return min(timings)
