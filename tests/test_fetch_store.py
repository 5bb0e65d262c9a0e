"""DatabaseFetchStore on SQLite and PostgreSQL, alone and under a Fetcher across runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finder.ingest.fetch_state import KEY_MAX_CHARS, DatabaseFetchStore, storage_key
from finder.models import FetchState
from scrapers.fetch.fetcher import Fetcher, FetchError, FetchSettings

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


class Now:
    def __init__(self):
        self.value = T0

    def __call__(self) -> datetime:
        return self.value


def test_put_get_overwrite_and_persist(session):
    store = DatabaseFetchStore(session)
    assert store.get("url:https://example.org/feed") is None
    store.put("url:https://example.org/feed", {"etag": '"a"', "last_modified": None}, None)
    assert store.get("url:https://example.org/feed") == {"etag": '"a"', "last_modified": None}
    store.put("url:https://example.org/feed", {"etag": '"b"', "last_modified": "Tue, 24 Nov 2026 10:00:00 GMT"}, 60)
    session.commit()
    with Session(session.get_bind()) as other:
        again = DatabaseFetchStore(other)
        assert again.get("url:https://example.org/feed") == {
            "etag": '"b"',
            "last_modified": "Tue, 24 Nov 2026 10:00:00 GMT",
        }
    assert session.scalar(select(func.count()).select_from(FetchState)) == 1


def test_a_deferred_store_answers_from_memory_and_writes_on_save(session):
    now = Now()
    store = DatabaseFetchStore(session, now=now, deferred=True)
    store.put("robots:https://example.org", {"rules": "User-agent: *"}, 60)
    store.put("url:https://example.org/feed", {"etag": '"a"'}, None)
    store.put("url:https://example.org/feed", {"etag": '"b"'}, None)
    assert store.get("url:https://example.org/feed") == {"etag": '"b"'}
    assert session.scalar(select(func.count()).select_from(FetchState)) == 0  # nothing written yet
    now.value = T0 + timedelta(seconds=61)
    assert store.get("robots:https://example.org") is None  # expiry holds in memory too
    store.save()
    assert sorted(session.scalars(select(FetchState.key))) == [
        "robots:https://example.org",
        "url:https://example.org/feed",
    ]
    assert DatabaseFetchStore(session).get("url:https://example.org/feed") == {"etag": '"b"'}
    store.save()  # nothing left to write
    assert session.scalar(select(func.count()).select_from(FetchState)) == 2


def test_expiry_and_purge(session):
    now = Now()
    store = DatabaseFetchStore(session, now=now)
    store.put("host:a.test:443", {"retry_at": 1.0}, 3600)
    store.put("host:b.test:443", {"retry_at": 2.0}, 60)
    store.put("forever", {"x": 1}, None)
    now.value = T0 + timedelta(seconds=59)
    assert store.get("host:b.test:443") == {"retry_at": 2.0}
    now.value = T0 + timedelta(seconds=61)
    assert store.get("host:b.test:443") is None
    assert store.get("host:a.test:443") == {"retry_at": 1.0}
    now.value = T0 + timedelta(days=400)
    assert store.get("forever") == {"x": 1}
    assert store.purge() == 2
    assert session.scalars(select(FetchState.key)).all() == ["forever"]


def test_long_keys_are_hashed_without_collisions(session):
    store = DatabaseFetchStore(session)
    base = "url:https://example.org/search?" + "q=" + "x" * 600
    store.put(base + "1", {"n": 1}, None)
    store.put(base + "2", {"n": 2}, None)
    assert store.get(base + "1") == {"n": 1}
    assert store.get(base + "2") == {"n": 2}
    assert len(storage_key(base + "1")) <= KEY_MAX_CHARS
    assert storage_key("short") == "short"


def test_values_are_copies(session):
    store = DatabaseFetchStore(session)
    value = {"etag": "1"}
    store.put("k", value, None)
    value["etag"] = "changed"
    got = store.get("k")
    got["etag"] = "also changed"
    assert store.get("k") == {"etag": "1"}


def test_callers_own_commits(session):
    DatabaseFetchStore(session).put("k", {"v": 1}, None)
    session.rollback()
    assert DatabaseFetchStore(session).get("k") is None


def fetcher_on(session, clock_s: list[float]) -> Fetcher:
    settings = FetchSettings(allow_private=True, min_delay_s=0.0, timeout_s=2.0)
    return Fetcher(settings, DatabaseFetchStore(session), clock=lambda: clock_s[0], sleep=lambda s: None)


def test_fetcher_state_survives_runs_in_the_database(session, httpserver):
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /private\n")

    def events(request):
        from werkzeug import Response

        if request.headers.get("If-None-Match") == '"v7"':
            return Response(status=304)
        return Response(b"BEGIN:VCALENDAR", headers={"ETag": '"v7"'})

    httpserver.expect_request("/events.ics").respond_with_handler(events)
    httpserver.expect_request("/limited").respond_with_data("no", status=429, headers={"Retry-After": "7200"})
    clock_s = [datetime.now(UTC).timestamp()]

    first = fetcher_on(session, clock_s)
    assert first.fetch(httpserver.url_for("/events.ics")).body == b"BEGIN:VCALENDAR"
    session.commit()
    first.close()

    second = fetcher_on(session, clock_s)  # the next run: a new fetcher, state from the database
    assert second.fetch(httpserver.url_for("/events.ics")).not_modified is True
    with pytest.raises(FetchError) as limited:
        second.fetch(httpserver.url_for("/limited"))
    session.commit()
    second.close()

    third = fetcher_on(session, clock_s)
    with pytest.raises(FetchError, match="come back at") as fast:
        third.fetch(httpserver.url_for("/events.ics"))
    third.close()
    assert fast.value.retry_at == limited.value.retry_at
    paths = [request.path for request, _ in httpserver.log]
    assert paths.count("/robots.txt") == 1
    assert paths.count("/limited") == 1
    keys = set(session.scalars(select(FetchState.key)))
    host = httpserver.url_for("/").split("//")[1].rstrip("/")
    assert {f"robots:http://{host}", f"host:{host}", f"url:{httpserver.url_for('/events.ics')}"} <= keys
