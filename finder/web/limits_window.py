"""The rate limiter's window strategy: limits' fixed window, whose X-RateLimit-* headers cost no store call.

flask-limiter fills the headers from `get_window_stats`, which on Redis is a GET and a TTL: two round trips after
the hit's own (three per request). `RememberedFixedWindow` answers them from the hit instead: the count the
increment returned, and the window's end, known to this process when its hit opened the window (asked of the
store once per window otherwise). Same counting and limits, same header values (on Redis the reset may differ by
a second: its TTL is whole seconds)."""

from __future__ import annotations

import threading
import time

from limits.strategies import STRATEGIES, FixedWindowRateLimiter
from limits.util import WindowStats

STRATEGY = "fixed-window-remembered"
KNOWN_RESETS_MAX = 4096  # windows whose end this process remembers; the ended ones are dropped past this


class RememberedFixedWindow(FixedWindowRateLimiter):
    """limits' fixed window; `get_window_stats` right after this thread's `hit` of the same key costs no store call."""

    def __init__(self, storage):
        super().__init__(storage)
        self._last_hit = threading.local()  # (key, count after the hit): read once, by the same request's headers
        self._resets: dict[str, float] = {}  # key -> epoch second its window ends

    def hit(self, item, *identifiers: str, cost: int = 1) -> bool:
        key, expiry = item.key_for(*identifiers), item.get_expiry()
        count = self.storage.incr(key, expiry, amount=cost)
        if count == cost:  # this hit opened the window: it ends `expiry` seconds from now (the store's own rule)
            self._remember_reset(key, time.time() + expiry)
        self._last_hit.value = (key, count)
        return count <= item.amount

    def get_window_stats(self, item, *identifiers: str) -> WindowStats:
        key = item.key_for(*identifiers)
        last, self._last_hit.value = getattr(self._last_hit, "value", None), None
        if last is None or last[0] != key:
            return super().get_window_stats(item, *identifiers)
        reset = self._resets.get(key)
        if reset is None or reset <= time.time():
            reset = self.storage.get_expiry(key)
            self._remember_reset(key, reset)
        return WindowStats(reset, max(0, item.amount - last[1]))

    def _remember_reset(self, key: str, reset: float) -> None:
        if len(self._resets) >= KNOWN_RESETS_MAX:
            now = time.time()
            self._resets = {k: v for k, v in self._resets.items() if v > now}
        self._resets[key] = reset


def register_strategy() -> str:
    """The name flask-limiter's RATELIMIT_STRATEGY takes for `RememberedFixedWindow` (made known to limits once)."""
    STRATEGIES.setdefault(STRATEGY, RememberedFixedWindow)
    return STRATEGY
