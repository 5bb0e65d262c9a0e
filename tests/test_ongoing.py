"""Ongoing opportunities (finder/ongoing.py): stored through the importer, found by search and by every
date filter, ranked by the one scorer, matched by alerts, shown as "Ongoing"; meetings in progress shown."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import time_machine

from finder import ranking
from finder.alerts.matching import make_matcher
from finder.ingest.importer import ingest
from finder.mail.send import parse_message
from finder.models import Listing, Source
from finder.ongoing import in_progress, is_ongoing, is_over, open_ended
from finder.search import SearchQuery, run_search
from scrapers.listing import Listing as Item
from scrapers.listing import Occurrence, Venue
from tests.search_helpers import LONDON, NOW, add_listing, km_north
from tests.test_alert_batch import place_listings, searched

LAT, LON = LONDON  # NOW is Wednesday 25 November 2026, noon UTC
TODAY = NOW.date()


def test_the_rule():
    assert open_ended(kind="volunteer", recurrence=None, start=None, end=None, all_day=False)
    assert open_ended(kind="club", recurrence=None, start=NOW, end=None, all_day=True)  # a start date, no end
    assert not open_ended(kind="club", recurrence=None, start=NOW, end=None, all_day=False)  # a timed moment
    assert not open_ended(kind="event", recurrence=None, start=None, end=None, all_day=False)
    assert not open_ended(kind="volunteer", recurrence="FREQ=WEEKLY", start=NOW, end=None, all_day=True)
    assert not open_ended(kind="volunteer", recurrence=None, start=NOW, end=NOW + timedelta(days=1), all_day=True)
    role = SimpleNamespace(
        kind="volunteer", recurrence=None, start=NOW - timedelta(days=30), end=None, all_day=True, next_start=None
    )
    assert is_ongoing(role, NOW)
    assert not is_ongoing(
        SimpleNamespace(**{**role.__dict__, "start": NOW + timedelta(days=3), "next_start": NOW + timedelta(days=3)}),
        NOW,
    )  # not begun yet
    assert in_progress(NOW - timedelta(hours=1), NOW + timedelta(hours=1), NOW)
    assert not in_progress(NOW - timedelta(hours=1), None, NOW)
    assert not in_progress(NOW + timedelta(hours=1), NOW + timedelta(hours=2), NOW)
    assert not is_over(role, NOW)
    past = dict(kind="event", recurrence=None, all_day=False, next_start=None)
    assert is_over(SimpleNamespace(**past, start=NOW - timedelta(days=2), end=None), NOW)
    assert not is_over(SimpleNamespace(**past, start=NOW - timedelta(hours=1), end=NOW + timedelta(hours=1)), NOW)
    assert not is_over(SimpleNamespace(**past, start=None, end=None), NOW)


def role(key: str, title: str, km: float, **values) -> Item:
    lat, lon = km_north(LAT, LON, km)
    return Item(
        title=title,
        kind="event",
        source_key=key,
        lat=lat,
        lon=lon,
        url=f"https://v.example/{key}",
        venue=Venue(name=f"{title} hall"),
        **values,
    )


@pytest.fixture
def roles(session):
    """A volunteering source's roles, as a Socrata or TEC feed gives them, imported by the real importer."""
    source = Source(
        slug="volunteering",
        adapter="socrata",
        url="https://v.example/rows.json",
        kind="volunteer",
        timezone="Europe/London",
        country="GB",
    )
    session.add(source)
    session.flush()
    ingest(
        session,
        source,
        [
            role(
                "ongoing",
                "Standing garden role",
                1,
                start=TODAY - timedelta(days=30),
                all_day=True,
                description="Ongoing: come when you can.",
            ),
            role("undated", "Befriending by phone", 2),
            role("later", "Library helper from next month", 3, start=TODAY + timedelta(days=40), all_day=True),
            role(
                "tuesdays",
                "Tuesday food bank shift",
                4,
                start=NOW + timedelta(days=6),
                end=NOW + timedelta(days=6, hours=2),
                recurrence="FREQ=WEEKLY;BYDAY=TU",
                timezone="Europe/London",
                occurrences=[
                    Occurrence(NOW + timedelta(days=6 + 7 * k), NOW + timedelta(days=6 + 7 * k, hours=2))
                    for k in range(10)
                ],
            ),
            role("moment", "Volunteer briefing (past)", 1, start=NOW - timedelta(days=2)),  # timed, no end: a one-off
        ],
        now=NOW,
    )
    session.commit()


def found(session, **args) -> list[str]:
    query = SearchQuery.from_args(
        {"lat": str(LAT), "lon": str(LON), "per_page": "50", **{k: str(v) for k, v in args.items()}}
    )
    return sorted(r.listing.title for r in run_search(session, query, now=NOW).results)


def test_ongoing_roles_are_stored_searchable_and_never_past(session, roles):
    stored = {listing.title: listing for listing in session.query(Listing)}
    assert stored["Standing garden role"].kind == "volunteer" and stored["Standing garden role"].next_start is None
    assert found(session) == [
        "Befriending by phone",
        "Library helper from next month",
        "Standing garden role",
        "Tuesday food bank shift",
    ]
    page = run_search(session, SearchQuery.from_args({"lat": str(LAT), "lon": str(LON), "q": "garden"}), now=NOW)
    [garden] = page.results
    assert garden.next_start is None and garden.reasons[0].code == "ongoing"


@pytest.mark.parametrize(
    "args, expected",
    [
        ({"days": "sat,sun"}, ["Befriending by phone", "Library helper from next month", "Standing garden role"]),
        (
            {"days": "tue", "time": "evening"},
            ["Befriending by phone", "Library helper from next month", "Standing garden role"],
        ),
        (
            {"days": "tue"},
            [
                "Befriending by phone",
                "Library helper from next month",
                "Standing garden role",
                "Tuesday food bank shift",
            ],
        ),
        ({"when": "weekend"}, ["Befriending by phone", "Standing garden role"]),
        ({"when": "today"}, ["Befriending by phone", "Standing garden role"]),
        (
            {"from": (TODAY + timedelta(days=45)).isoformat(), "to": (TODAY + timedelta(days=50)).isoformat()},
            [
                "Befriending by phone",
                "Library helper from next month",
                "Standing garden role",
                "Tuesday food bank shift",
            ],
        ),
        (
            {"from": (TODAY + timedelta(days=1)).isoformat(), "to": (TODAY + timedelta(days=3)).isoformat()},
            ["Befriending by phone", "Standing garden role"],
        ),
    ],
)
def test_date_filters_treat_ongoing_listings_as_available(session, roles, args, expected):
    assert found(session, **args) == expected


def test_sql_order_equals_score_order_with_ongoing_listings(session, roles):
    page = run_search(session, SearchQuery.from_args({"lat": str(LAT), "lon": str(LON), "per_page": "50"}), now=NOW)
    expected = []
    for result in page.results:
        item = result.listing
        hours = None if item.next_start is None else max(item.next_start.timestamp() - NOW.timestamp(), 0.0) / 3600.0
        score = ranking.score(
            distance_km=result.distance_km,
            has_place=True,
            online=False,
            interest_overlap=0.0,
            text_relevance=0.0,
            hours_until_start=hours,
            connection=item.connection_score,
        )
        assert result.score == pytest.approx(score, abs=1e-9)
        expected.append((-score, item.id))
    assert [r.listing.id for r in page.results] == [i for _, i in sorted(expected)]
    assert {"Standing garden role", "Befriending by phone"} <= {r.listing.title for r in page.results}


def test_alerts_match_new_ongoing_listings_as_search_does(session):
    place_listings(session, count=60)
    for n in range(12):
        lat, lon = km_north(LAT, LON, n - 6)
        add_listing(
            session,
            f"Standing role {n}",
            lat=lat,
            lon=lon,
            kind=["volunteer", "club", "service"][n % 3],
            starts=[NOW + timedelta(days=n * 5 - 30)] if n % 4 else None,
            all_day=bool(n % 4),
            first_seen=NOW - timedelta(hours=3),
            last_seen=NOW,
        )
    session.commit()
    queries = [
        {"lat": LAT, "lon": LON, **extra}
        for extra in (
            {"days": "sat,sun"},
            {"time": "morning"},
            {"when": "weekend"},
            {"when": "week", "kind": "volunteer"},
            {"from": "2026-12-20", "to": "2026-12-31"},
            {"days": "mon", "sort": "soonest"},
        )
    ]
    since = NOW - timedelta(days=1)
    prepared = make_matcher(None).prepare(session, [(i, q, since) for i, q in enumerate(queries)], now=NOW)
    for key, args in enumerate(queries):
        expected = searched(session, args, since)
        assert [listing.id for listing in prepared.matches(key, limit=1000)] == expected, args
        assert any(
            title.startswith("Standing role")
            for title in (listing.title for listing in prepared.matches(key, limit=1000))
        ), args


def test_pages_show_ongoing_and_a_meeting_in_progress(app, client):
    from finder.web.extensions import get_session

    with app.app_context():
        session = get_session()
        ongoing = add_listing(
            session,
            "Standing garden role",
            lat=LAT,
            lon=LON,
            kind="volunteer",
            all_day=True,
            start=NOW - timedelta(days=30),
        )
        meeting = add_listing(
            session,
            "Chess evening",
            lat=LAT,
            lon=LON,
            kind="club",
            starts=[NOW - timedelta(hours=1)],
            end=NOW + timedelta(hours=1),
        )
        ids = ongoing.id, meeting.id
        session.commit()
    with time_machine.travel(NOW, tick=False):
        role_page = client.get(f"/listings/{ids[0]}").get_data(as_text=True)
        meeting_page = client.get(f"/listings/{ids[1]}").get_data(as_text=True)
        results = client.get("/search", query_string={"lat": LAT, "lon": LON}).get_data(as_text=True)
        api = client.get("/api/v1/search", query_string={"lat": LAT, "lon": LON}).get_json()
        one = client.get(f"/api/v1/listings/{ids[0]}").get_json()
    assert "Ongoing, since" in role_page and "No dates given" not in role_page
    assert "Happening now" in meeting_page and "Chess evening" in meeting_page
    cards = results.split('<article class="card')
    assert "Ongoing" in next(card for card in cards if "Standing garden role" in card)
    assert "Happening now" in next(card for card in cards if "Chess evening" in card)
    garden = next(r for r in api["results"] if r["id"] == ids[0])
    assert garden["next_start"] is None and "Ongoing" in garden["reasons"]
    assert one["next_start"] is None and "Ongoing" in one["reasons"]


def test_today_is_a_wednesday_so_the_windows_above_mean_what_they_say():
    assert TODAY == date(2026, 11, 25) and TODAY.weekday() == 2


def test_a_saved_weekend_volunteering_search_gets_new_ongoing_roles_in_its_digest(app):
    from flask import render_template

    from finder.alerts import digests
    from finder.alerts.delivery import digest_settings
    from finder.models import Alert, OutboxMessage

    settings = digest_settings(app.config["FINDER"])
    since = NOW - timedelta(days=1)
    with app.app_context(), app.extensions["sessionmaker"]() as session:
        add_listing(
            session,
            "Standing garden role",
            lat=LAT,
            lon=LON,
            kind="volunteer",
            all_day=True,
            start=NOW - timedelta(days=30),
            first_seen=NOW - timedelta(hours=2),
            last_seen=NOW,
        )
        add_listing(
            session,
            "Finished volunteer briefing",
            lat=LAT,
            lon=LON,
            kind="volunteer",
            starts=[NOW - timedelta(hours=5)],
            first_seen=NOW - timedelta(hours=2),
            last_seen=NOW,
        )
        session.add(
            Alert(
                email="v@example.org",
                query={"lat": str(LAT), "lon": str(LON), "kind": "volunteer", "days": "sat,sun", "when": "weekend"},
                frequency="daily",
                status="active",
                confirmed_at=since,
                last_digest_at=since,
                created_at=since,
            )
        )
        session.commit()
        with time_machine.travel(NOW.replace(hour=23), tick=False):
            report = digests.build_due(session, settings, make_matcher(None), render_template, NOW.replace(hour=23))
        assert report.built == 1
        message = session.query(OutboxMessage).filter_by(status="pending").one().message
    text = parse_message(message).get_body(preferencelist=("plain",)).get_content()
    assert "Standing garden role" in text and "Finished volunteer briefing" not in text


def test_an_organisations_page_never_files_ongoing_roles_under_earlier(app, client):
    from finder.models import Organization
    from finder.web.extensions import get_session

    with app.app_context():
        session = get_session()
        org = Organization(name="Riverside Volunteers", key="riverside-volunteers")
        session.add(org)
        session.flush()
        for title, fields in (
            ("Standing garden role", dict(kind="volunteer", all_day=True, start=NOW - timedelta(days=30))),
            ("Befriending by phone", dict(kind="volunteer")),
            ("Chess evening", dict(kind="club", starts=[NOW - timedelta(hours=1)], end=NOW + timedelta(hours=1))),
            (
                "Last month's briefing",
                dict(
                    kind="event", starts=[NOW - timedelta(days=30)], end=NOW - timedelta(days=30) + timedelta(hours=2)
                ),
            ),
        ):
            add_listing(session, title, lat=LAT, lon=LON, organization_id=org.id, **fields)
        session.commit()
        org_id = org.id
    with time_machine.travel(NOW, tick=False):
        html = client.get(f"/orgs/{org_id}").get_data(as_text=True)
    running, earlier = html.split('id="org-past-heading"')
    for title in ("Standing garden role", "Befriending by phone", "Chess evening"):
        assert title in running and title not in earlier
    assert "Last month&#39;s briefing" in earlier and "Last month&#39;s briefing" not in running
