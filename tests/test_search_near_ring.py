"""The near branch read by rings (finder/search/sql_near_ring.py) changes nothing: ranking the rows within the ring,
then only those within reach of its floor, and counting the circle, gives the pages, scores and totals of the
one-statement branch, with rows crowded near the point, ties, rows far out that score high on everything but
distance, rows over, filters and pages; and the reach bounds every row's score."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from finder import ranking
from finder.search import SearchQuery, sql_near_ring
from finder.search.run import make_plan
from finder.search.sql import Plan
from tests.search_helpers import LONDON, NOW, add_listing, cold_page, km_north

LAT, LON = LONDON
DEFAULT_RING_KM = sql_near_ring.RING_KM
QUERIES = (
    {"radius_km": 100},
    {"radius_km": 25},
    {"radius_km": 50, "per_page": 5},
    {"radius_km": 100, "per_page": 30},
    {"radius_km": 100, "free": "1"},
    {"radius_km": 60, "kind": "club,event", "online": "exclude"},
    {"radius_km": 100, "when": "week"},
    {"radius_km": 100, "per_page": 5, "page": 2},  # later pages: the one statement
    {"radius_km": 100, "sort": "nearest"},  # other orders: the one statement
    {"radius_km": 100, "interests": "games"},  # interests: the one statement
)


@pytest.fixture
def crowd(session):
    """A crowd within 3 km of London (pairs sharing place and times: equal scores), fewer rows 3-15 km out, and
    rows 15-120 km out, many of them weekly, welcoming and starting within hours (the best timeliness and
    connection), some over; one online listing."""
    rng = random.Random(3)
    for i in range(160):
        band = i % 4
        km = rng.uniform(0, 3) if band < 2 else rng.uniform(3, 15) if band == 2 else rng.uniform(15, 120)
        lat, lon = km_north(LAT, LON, km * rng.choice([-1, 1]) * 0.7)
        lon += rng.uniform(-0.7, 0.7) * km / 70
        eager = band == 3 and i % 3 != 0
        hours = rng.choice([1, 5, 48, 300]) if not eager else 1
        for twin in range(2 if i % 10 == 0 else 1):
            add_listing(
                session,
                f"Group {i}.{twin}",
                lat=lat,
                lon=lon,
                kind=rng.choice(["club", "event", "volunteer"]),
                tags=rng.choice([[], ["games"]]),
                description="All welcome, no experience needed. A small group." if eager else "",
                rrule="FREQ=WEEKLY;BYDAY=MO" if eager or i % 5 == 0 else None,
                free=rng.random() < 0.4,
                starts=[NOW + timedelta(hours=hours if i % 17 else -30)],
            )
    add_listing(session, "Online group", online=True, kind="online")
    session.commit()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # rings are SQLite's (sql_near_ring.applies)
@pytest.mark.parametrize("ring_km", [2.0, DEFAULT_RING_KM], ids=["reach-beyond-ring", "ring-enough"])
def test_rings_keep_every_page_and_total(session, crowd, monkeypatch, ring_km):
    monkeypatch.setattr(sql_near_ring, "RING_KM", ring_km)
    statements = []  # per search read by rings: how many statements it ran
    answered = sql_near_ring.near_rows

    def counted(plan, dialect, build, run):
        ran = []
        rows = answered(plan, dialect, build, lambda built: ran.append(1) or run(built))
        statements.append(len(ran) if rows is not None else 0)
        return rows

    monkeypatch.setattr(sql_near_ring, "near_rows", counted)
    by_rings = {str(args): cold_page(session, args) for args in QUERIES}
    monkeypatch.setattr(sql_near_ring, "applies", lambda plan, dialect: False)
    for args in QUERIES:
        assert by_rings[str(args)] == cold_page(session, args), args
    assert by_rings[str({"radius_km": 100})][2] > 100
    # the rings served searches, with the ring's own answer or a third statement for the rows within reach
    assert (3 if ring_km < DEFAULT_RING_KM else 2) in statements, statements


def test_only_first_pages_by_best_score_over_wide_circles_use_rings():
    def plan(**args) -> Plan:
        query = SearchQuery.from_args({"lat": str(LAT), "lon": str(LON), **args})
        return make_plan(query, NOW, "UTC")

    assert sql_near_ring.applies(plan(radius_km="100"), "sqlite")
    assert sql_near_ring.applies(plan(radius_km="25", free="1", kind="club"), "sqlite")
    assert not sql_near_ring.applies(plan(radius_km="100"), "postgresql")
    assert not sql_near_ring.applies(plan(radius_km="5"), "sqlite")
    assert not sql_near_ring.applies(plan(radius_km="100", page="2"), "sqlite")
    assert not sql_near_ring.applies(plan(radius_km="100", sort="nearest"), "sqlite")
    assert not sql_near_ring.applies(plan(radius_km="100", q="chess"), "sqlite")
    assert not sql_near_ring.applies(plan(radius_km="100", interests="games"), "sqlite")
    assert not sql_near_ring.applies(plan(radius_km="100", online="only"), "sqlite")


@pytest.mark.parametrize("floor", [0.36, 0.45, 0.5, 0.6, 0.64])
def test_no_row_beyond_the_reach_scores_the_floor(floor):
    """Beyond `reach_km` even a row starting now with the most connection scores below the floor; just inside it
    such a row reaches it (the reach is no wider than needed, but for its margin)."""
    plan = Plan(now_epoch=0.0, lat=LAT, lon=LON, radius_km=100.0)
    reach = sql_near_ring.reach_km(plan, floor)

    def best_possible(distance_km: float) -> float:
        return ranking.score(
            distance_km=distance_km,
            has_place=True,
            online=False,
            interest_overlap=0.0,
            text_relevance=0.0,
            hours_until_start=0.0,
            connection=1.0,
        )

    assert best_possible(reach - 0.001) >= floor
    assert best_possible(reach + 0.001) < floor
    assert sql_near_ring.reach_km(plan, 0.3) == float("inf")  # timeliness and connection alone reach it anywhere
    assert sql_near_ring.reach_km(plan, 0.65) == sql_near_ring.MARGIN_KM  # only a row at the point itself
