"""What keeps the gazetteer build (`finder.geo.build`) fast: a per-build memo and the cycle collector paused.

The build turns about a million source rows into 1.2 million table rows in plain Python, so per-row costs add up:
folding the same name again, and the collector re-scanning every row object already made.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from contextlib import contextmanager


class Memo(dict):
    """`function`'s result per distinct argument, for one build: the sources repeat the same place, state and
    alternate names hundreds of thousands of times, and a dict lookup (`memo[text]`) costs far less than folding
    again. Unbounded, so make one per build and drop it with the build's other data."""

    __slots__ = ("function",)

    def __init__(self, function: Callable):
        super().__init__()
        self.function = function

    def __missing__(self, key):
        value = self[key] = self.function(key)
        return value


@contextmanager
def collector_paused():
    """Python's cycle collector off while the build runs: the build holds millions of dicts, lists and tuples
    (and makes no cycles), and re-scanning them as they pile up took a third of its time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
