"""OpenActive RPDE over a real HTTP server: paging to the end, deletions, moved sessions, and the
cursor that makes the next run start at the last page."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from werkzeug import Request, Response

from finder.ingest.runs import default_fetcher, run_source
from finder.models import Listing, ListingSource, ScrapeRun
from tests.conftest import make_test_config
from tests.test_runs import add_source, reset

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SERIES = "https://example.org/session-series/1"


def at(days: float) -> str:
    return (NOW + timedelta(days=days)).isoformat().replace("+00:00", "Z")


def session_item(rpde_id: str, days: float, modified: int) -> dict:
    return {
        "state": "updated",
        "kind": "ScheduledSession",
        "id": rpde_id,
        "modified": modified,
        "data": {
            "@context": "https://openactive.io/",
            "type": "ScheduledSession",
            "id": f"https://example.org/sessions/{rpde_id}",
            "superEvent": SERIES,
            "startDate": at(days),
            "duration": "PT1H",
        },
    }


SERIES_ITEM = {
    "state": "updated",
    "kind": "SessionSeries",
    "id": "series-1",
    "modified": 1,
    "data": {
        "@context": "https://openactive.io/",
        "type": "SessionSeries",
        "id": SERIES,
        "name": "Park walk",
        "activity": [{"type": "Concept", "prefLabel": "Walking"}],
        "location": {"type": "Place", "name": "Roundhay Park", "geo": {"latitude": 53.8393, "longitude": -1.4986}},
    },
}


class Feed:
    """An RPDE feed served by page; `pages[query]` = (items, next query). Records every page asked for."""

    def __init__(self, httpserver):
        self.httpserver, self.asked, self.pages = httpserver, [], {}

    def page(self, query: str, items: list, next_query: str) -> None:
        self.pages[query] = (items, next_query)

    def url(self, query: str = "") -> str:
        return self.httpserver.url_for("/feed") + (f"?{query}" if query else "")

    def handle(self, request: Request) -> Response:
        query = request.query_string.decode()
        self.asked.append(query)
        if query not in self.pages:
            return Response("no such page", status=404)
        items, following = self.pages[query]
        body = {"items": items, "next": self.url(following), "license": "https://creativecommons.org/licenses/by/4.0/"}
        return Response(json.dumps(body), content_type="application/json")


@pytest.fixture
def feed(httpserver):
    served = Feed(httpserver)
    reset(httpserver)
    httpserver.expect_request("/feed").respond_with_handler(served.handle)
    return served


@pytest.fixture
def scrape(session, db_url, tmp_path):
    config = make_test_config(db_url, tmp_path, HIDE_AFTER_MISSES=2, EXPANSION_DAYS=60)

    def run(slug: str) -> ScrapeRun:
        result = run_source(session, slug, now=NOW, config=config, fetcher=default_fetcher(session, config))
        session.commit()
        return result

    return run


def live(session) -> dict[str, datetime]:
    rows = session.execute(
        select(ListingSource.source_key, Listing.start).join(Listing).where(Listing.liveness == "active")
    ).all()
    return {key: start for key, start in rows}


def test_three_pages_with_a_deletion_and_a_moved_session_store_exactly_the_live_sessions(session, feed, scrape):
    feed.page(
        "",
        [SERIES_ITEM, session_item("s1", 1, 2), session_item("s2", 2, 3), session_item("s3", 3, 4)],
        "afterTimestamp=4&afterId=s3",
    )
    feed.page(
        "afterTimestamp=4&afterId=s3",
        [
            {"state": "deleted", "kind": "ScheduledSession", "id": "s1", "modified": 5},
            session_item("s2", 9, 6),  # moved: updated later, so it comes again further on
            {
                "state": "updated",
                "kind": "FacilityUse.Slot",
                "id": "slot-1",
                "modified": 7,
                "data": {"type": "Slot", "facilityUse": "https://example.org/facility-uses/1", "startDate": at(1)},
            },
        ],
        "afterTimestamp=7&afterId=slot-1",
    )
    feed.page("afterTimestamp=7&afterId=slot-1", [], "afterTimestamp=7&afterId=slot-1")  # the last page
    add_source(session, "leeds-walks", feed.url(), adapter="openactive")

    run = scrape("leeds-walks")
    assert feed.asked == ["", "afterTimestamp=4&afterId=s3", "afterTimestamp=7&afterId=slot-1"]
    assert run.status == "ok" and run.inserted == 2 and run.gone == 0
    stored = live(session)
    assert set(stored) == {"s2", "s3"}
    assert stored["s2"].replace(tzinfo=UTC) == NOW + timedelta(days=9)  # the moved session's new time
    titles = set(session.scalars(select(Listing.title)))
    assert titles == {"Park walk"}
    assert any("facility booking" in problem for problem in run.problems)

    feed.asked.clear()
    again = scrape("leeds-walks")
    assert feed.asked == ["afterTimestamp=7&afterId=slot-1"]  # only the last page
    assert again.status == "ok" and (again.inserted, again.gone) == (0, 0)
    assert set(live(session)) == {"s2", "s3"}  # unseen in this run is not missing

    # The publisher deletes s3 and adds s4: the next run reads on from the last page.
    feed.page(
        "afterTimestamp=7&afterId=slot-1",
        [{"state": "deleted", "kind": "ScheduledSession", "id": "s3", "modified": 8}, session_item("s4", 5, 9)],
        "afterTimestamp=9&afterId=s4",
    )
    feed.page("afterTimestamp=9&afterId=s4", [], "afterTimestamp=9&afterId=s4")
    feed.asked.clear()
    third = scrape("leeds-walks")
    assert feed.asked == ["afterTimestamp=7&afterId=slot-1", "afterTimestamp=9&afterId=s4"]
    assert (third.status, third.inserted, third.gone) == ("ok", 1, 1)
    assert set(live(session)) == {"s2", "s4"}
    hidden = session.scalar(select(Listing).join(ListingSource).where(ListingSource.source_key == "s3"))
    assert hidden.liveness == "hidden"


def test_a_failed_later_page_keeps_what_was_read_and_resumes_there(session, feed, scrape, httpserver):
    feed.page("", [SERIES_ITEM, session_item("s1", 1, 2)], "afterTimestamp=2&afterId=s1")
    add_source(session, "leeds-walks", feed.url(), adapter="openactive")
    run = scrape("leeds-walks")  # page 2 is not there yet: HTTP 404
    assert run.status == "partial" and set(live(session)) == {"s1"}
    feed.page("afterTimestamp=2&afterId=s1", [], "afterTimestamp=2&afterId=s1")
    feed.asked.clear()
    assert scrape("leeds-walks").status == "ok"
    assert feed.asked == ["afterTimestamp=2&afterId=s1"]


def test_sessions_join_series_from_a_sibling_feed_named_in_the_catalogue(session, httpserver, scrape):
    series_feed, sessions_feed = Feed(httpserver), Feed(httpserver)
    reset(httpserver)
    httpserver.expect_request("/series").respond_with_handler(series_feed.handle)
    httpserver.expect_request("/feed").respond_with_handler(sessions_feed.handle)
    series_feed.url = lambda query="": httpserver.url_for("/series") + (f"?{query}" if query else "")
    series_feed.page(
        "",
        [
            {
                **SERIES_ITEM,
                "data": {
                    **SERIES_ITEM["data"],
                    "eventSchedule": [
                        {
                            "type": "PartialSchedule",
                            "byDay": ["https://schema.org/Monday"],
                            "startTime": "09:00",
                            "startDate": "2026-01-05",
                        }
                    ],
                },
            }
        ],
        "afterId=series-1",
    )
    series_feed.page("afterId=series-1", [], "afterId=series-1")
    sessions_feed.page("", [session_item("s1", 1, 2)], "afterId=s1")
    sessions_feed.page("afterId=s1", [], "afterId=s1")
    add_source(session, "walks-series", series_feed.url(), adapter="openactive")
    add_source(
        session,
        "walks-sessions",
        sessions_feed.url(),
        adapter="openactive",
        mapping={"series_sources": ["walks-series"]},
    )
    assert scrape("walks-series").inserted == 1  # the series itself has a schedule: a weekly listing
    run = scrape("walks-sessions")
    assert (run.status, run.inserted) == ("ok", 1) and not run.problems
    joined = session.scalar(select(Listing).join(ListingSource).where(ListingSource.source_key == "s1"))
    assert joined.title == "Park walk" and joined.venue_name == "Roundhay Park"
