"""Liveness as a property: over any sequence of successful, failed and empty runs served over HTTP,
a listing is hidden only after FINDER_HIDE_AFTER_MISSES consecutive successful runs without it;
failed and empty runs neither count nor reset.

Hypothesis and function-scoped fixtures do not mix, so the server is module-scoped and every example
clears the tables itself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from sqlalchemy import delete, select
from werkzeug import Request, Response

from finder.db.engine import make_sessionmaker
from finder.ingest.runs import run_source
from finder.models import Base, Listing, Source
from scrapers.fetch.fetcher import Fetcher, FetchSettings, MemoryFetchStore
from tests.conftest import CLEAR_HOOKS, make_test_config

CLUB_ICS = (Path(__file__).parent / "fixtures" / "ingest" / "club.ics").read_bytes()
WATCHED_UID = "river-cleanup-2026@riverside.example"
WATCHED_TITLE = "River cleanup"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
EMPTY_ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nEND:VCALENDAR\r\n"


def without_event(body: bytes, uid: str) -> bytes:
    text = body.decode()
    start = text.index(f"UID:{uid}")
    begin = text.rindex("BEGIN:VEVENT", 0, start)
    end = text.index("END:VEVENT", start) + len("END:VEVENT\n")
    return (text[:begin] + text[end:]).encode()


# What the server answers for each kind of run, and the run status that kind must produce.
ANSWERS = {
    "with": (200, CLUB_ICS, "ok"),
    "without": (200, without_event(CLUB_ICS, WATCHED_UID), "ok"),
    "empty": (200, EMPTY_ICS, "empty"),
    "http_error": (500, b"down", "failed"),
    "not_a_calendar": (200, b"<html><body>Maintenance</body></html>", "failed"),
}


class Feed:
    """The one URL of the test source; answers whatever `kind` is set to."""

    def __init__(self):
        self.kind = "with"

    def __call__(self, request: Request) -> Response:
        status, body, _ = ANSWERS[self.kind]
        return Response(body, status=status, content_type="text/calendar")


@pytest.fixture(scope="module")
def feed_server():
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    feed = Feed()
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    server.expect_request("/club.ics").respond_with_handler(feed)
    yield server, feed
    server.clear()
    server.stop()


def clear(engine) -> None:
    """Empty every table with DELETE (much quicker than TRUNCATE for a handful of rows on PostgreSQL)."""
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(delete(table))
        for hook in CLEAR_HOOKS:
            hook(connection)


def expected_liveness(kinds: list[str], hide_after: int) -> str:
    """The model: misses count only successful runs without the listing; a run with it resets them."""
    misses = 0
    for kind in kinds:
        if kind == "with":
            misses = 0
        elif kind == "without":
            misses += 1
    if misses == 0:
        return "active"
    return "hidden" if misses >= hide_after else "unverified"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    hide_after=st.integers(min_value=1, max_value=3),
    kinds=st.lists(st.sampled_from(sorted(ANSWERS)), min_size=1, max_size=6),
)
def test_hidden_only_after_n_consecutive_successful_runs_without_it(
    engine, db_url, tmp_path, feed_server, hide_after, kinds
):
    server, feed = feed_server
    clear(engine)
    config = make_test_config(db_url, tmp_path, HIDE_AFTER_MISSES=hide_after, EXPANSION_DAYS=60)
    fetcher = Fetcher(FetchSettings.from_config(config, retries=0), MemoryFetchStore(), sleep=lambda s: None)
    with make_sessionmaker(engine)() as session:
        session.add(Source(slug="riverside", adapter="ics", url=server.url_for("/club.ics"), timezone="Europe/Paris"))
        session.commit()
        history = ["with", *kinds]
        for step, kind in enumerate(history):
            feed.kind = kind
            run = run_source(session, "riverside", fetcher=fetcher, now=NOW, config=config)
            session.commit()
            assert run.status == ANSWERS[kind][2], (kind, run.status, run.error)
            session.expire_all()
            watched = session.scalar(select(Listing).where(Listing.title == WATCHED_TITLE))
            assert watched is not None, "a listing row is never deleted"
            assert watched.liveness == expected_liveness(history[: step + 1], hide_after), history[: step + 1]
            others = set(session.scalars(select(Listing.liveness).where(Listing.title != WATCHED_TITLE)))
            assert others == {"active"}, "listings present in every successful run stay active"
    fetcher.close()
