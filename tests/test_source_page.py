"""The visitor's Sources page: the freshness rule (a table) and which sources are shown, grouped by place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from finder.models import Listing, ListingSource, ScrapeRun, Source
from finder.web.source_page import sources_page, state

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def runs(*statuses: str) -> list:
    return [SimpleNamespace(status=status) for status in statuses]


@pytest.mark.parametrize(
    ("enabled", "finished", "updated_hours_ago", "every", "expected"),
    [
        (True, runs("ok"), 3, "1d", "fresh"),
        (True, runs("partial", "ok"), 3, "6h", "fresh"),
        (True, runs("ok"), 13.5, "6h", "late"),  # over two intervals and an hour
        (True, runs("ok"), 12.5, "6h", "fresh"),
        (True, runs("failed", "ok"), 3, "1d", "trouble"),
        (True, runs("empty", "ok"), 3, "1d", "trouble"),  # empty is a failure, never an update
        (True, runs("failed"), None, "1d", "trouble"),
        (True, [], None, "1d", "waiting"),
        (False, runs("ok"), 3, "1d", "paused"),
    ],
)
def test_freshness_rule(enabled, finished, updated_hours_ago, every, expected):
    updated = None if updated_hours_ago is None else NOW - timedelta(hours=updated_hours_ago)
    assert state(enabled, finished, updated, every, NOW) == expected


def test_page_groups_by_place_hides_idle_paused_sources_and_counts_visible_listings(session):
    london = Source(
        slug="london",
        name="london calendar",
        adapter="ics",
        url="https://www.example.org/a.ics?x=%20",
        locality="London",
        country="GB",
        every="6h",
        licence="CC BY 4.0",
    )
    berlin = Source(
        slug="berlin",
        name="Berlin",
        adapter="gancio",
        url="file:///srv/berlin.json",
        locality="Berlin",
        country="DE",
        republish=False,
    )
    online = Source(slug="online", name="Online", adapter="ics", url="https://online.example/")
    idle = Source(slug="idle", name="Idle", adapter="ics", url="https://idle.example/", enabled=False)
    session.add_all([london, berlin, online, idle])
    session.flush()
    session.add_all(
        [
            ScrapeRun(
                source=london,
                started_at=NOW - timedelta(hours=2),
                finished_at=NOW - timedelta(hours=2),
                status="ok",
                items=2,
            ),
            ScrapeRun(
                source=london, started_at=NOW - timedelta(hours=1), finished_at=NOW - timedelta(hours=1), status="empty"
            ),
        ]
    )
    for number, liveness in enumerate(("active", "unverified", "hidden")):
        listing = Listing(title=f"walk {number}", kind="event", liveness=liveness)
        listing.sources.append(ListingSource(source=london, source_key=f"walk-{number}"))
        session.add(listing)
    session.flush()

    page = sources_page(session, NOW)

    assert [(g.locality, g.country) for g in page.groups] == [("Berlin", "DE"), ("London", "GB"), ("", "")]
    entry = page.groups[1].entries[0]
    assert (entry.listings, entry.state, entry.every) == (2, "trouble", (6, "h"))
    assert entry.updated_at.replace(tzinfo=UTC) == NOW - timedelta(hours=2)
    assert (entry.site, entry.host, entry.licence) == ("https://www.example.org/", "example.org", "CC BY 4.0")
    assert page.groups[0].entries[0].site == "" and page.groups[0].entries[0].links_only
    assert (page.sources, page.listings) == (3, 2), "the paused source with nothing shown is left out"
