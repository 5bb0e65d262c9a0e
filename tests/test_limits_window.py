"""The limiter's window (finder.web.limits_window): limits' fixed-window counts and header values, with the
X-RateLimit-* headers answered from the request's own hit instead of two more store calls (on memory and Redis)."""

from __future__ import annotations

import time
import uuid

import pytest
from limits import parse
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import FixedWindowRateLimiter

from finder import create_app
from finder.web.extensions import limiter
from finder.web.limits_window import RememberedFixedWindow
from tests.conftest import clear_tables, make_test_config

REDIS_URI = "redis://127.0.0.1:6379/14"


class CountingMemory(MemoryStorage):
    """The memory store, counting the reads the headers would cost."""

    reads = 0

    def get(self, key):
        self.reads += 1
        return super().get(key)

    def get_expiry(self, key):
        self.reads += 1
        return super().get_expiry(key)


def redis_or_skip() -> RedisStorage:
    storage = RedisStorage(REDIS_URI, socket_connect_timeout=0.2)
    if not storage.check():
        pytest.skip("no Redis on 127.0.0.1:6379 (the memory case runs regardless)")
    return storage


@pytest.mark.parametrize("store", ["memory", "redis"])
def test_counts_and_window_stats_equal_limits_fixed_window(store):
    storage = CountingMemory() if store == "memory" else redis_or_skip()
    item, who = parse("3/minute"), f"test-{uuid.uuid4()}"
    ours, theirs = RememberedFixedWindow(storage), FixedWindowRateLimiter(storage)
    allowed = []
    for _ in range(5):  # two past the limit: breached hits still report their window
        allowed.append(ours.hit(item, who))
        mine = ours.get_window_stats(item, who)
        reference = theirs.get_window_stats(item, who)
        assert mine.remaining == reference.remaining
        assert abs(mine.reset_time - reference.reset_time) <= 1.0  # Redis keeps whole seconds
    assert allowed == [True, True, True, False, False]
    assert mine.remaining == 0 and time.time() + 55 < mine.reset_time <= time.time() + 61


def test_headers_after_a_hit_cost_no_store_read_once_the_window_is_known():
    storage, item = CountingMemory(), parse("10/minute")
    ours = RememberedFixedWindow(storage)
    other_worker = RememberedFixedWindow(storage)
    ours.hit(item, "a")  # this process opened the window: it knows its end
    reads = storage.reads
    assert ours.get_window_stats(item, "a").remaining == 9 and storage.reads == reads
    other_worker.hit(item, "a")  # another process hits a window it did not open: it asks its end once
    reads = storage.reads
    assert other_worker.get_window_stats(item, "a").remaining == 8 and storage.reads == reads + 1
    other_worker.hit(item, "a")
    reads = storage.reads
    assert other_worker.get_window_stats(item, "a").remaining == 7 and storage.reads == reads
    reads = storage.reads
    assert ours.get_window_stats(item, "a").remaining == 7 and storage.reads == reads + 2  # no hit of its own: asks


def test_search_answers_carry_counting_down_rate_limit_headers(engine, db_url, tmp_path):
    clear_tables(engine)
    app = create_app(make_test_config(db_url, tmp_path, RATELIMIT_ENABLED=True))
    limiter.reset()
    try:
        client = app.test_client()
        answers = [client.get("/api/v1/search?lat=51.5&lon=-0.12") for _ in range(2)]
        assert [a.status_code for a in answers] == [200, 200]
        assert [a.headers["X-RateLimit-Limit"] for a in answers] == ["120", "120"]
        assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["119", "118"]
        assert time.time() + 55 < int(answers[1].headers["X-RateLimit-Reset"]) <= time.time() + 62
    finally:
        limiter.reset()
        app.extensions["engine"].dispose()
