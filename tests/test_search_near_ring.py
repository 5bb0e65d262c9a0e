"""The near branch read from a ring (finder/search/sql_near_ring.py) changes nothing: ranking the rows within the ring,
then only those within reach of its floor, and counting the circle, gives the pages, scores and totals of the
branch scoring every row, on both databases, with rows crowded near the point, ties, rows far out that score high
on everything but distance, rows over, filters, rings too small for a page; and the reach bounds every row's score."""

from __future__ import annotations

import math
import random
from datetime import timedelta

import pytest
from sqlalchemy import text

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
    {"radius_km": 100, "interests": "games"},  # one interest: a ring of INTEREST_RING_KM
    {"radius_km": 100, "interests": "games", "per_page": 3},
    {"radius_km": 100, "interests": "games, crafts"},  # two: the one statement
    {"radius_km": 15, "per_page": 20, "online": "exclude"},
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


def reach(session, floor: float, rows: int = 20, radius_km: float = 100.0, at=LONDON, tags=()) -> float:
    """The statement's reach (km) for `rows` ring rows whose worst score is `floor`, from its own SQL."""
    postgres = session.get_bind().dialect.name == "postgresql"
    params = {"branch_limit": 20, "radius_km": radius_km, **ranking.WEIGHTS}
    sql_near_ring.bind(Plan(now_epoch=0.0, lat=at[0], lon=at[1], radius_km=radius_km, tags=list(tags)), params)
    scores = " UNION ALL ".join(f"SELECT {floor + i * 0.001!r} AS score" for i in range(rows))
    sql = f"SELECT {sql_near_ring.REACH.format(least='least' if postgres else 'min')} FROM ({scores}) ring"
    names = [n for n in params if f":{n}" in sql]
    value = session.execute(text(sql), {n: params[n] for n in names}).scalar_one()
    return float(value)


@pytest.mark.parametrize("ring_km", [1.0, DEFAULT_RING_KM, 12.0])
def test_rings_keep_every_page_and_total(session, crowd, monkeypatch, ring_km):
    monkeypatch.setattr(sql_near_ring, "RING_KM", ring_km)
    monkeypatch.setattr(sql_near_ring, "INTEREST_RING_KM", ring_km * 3)
    used = []
    made = sql_near_ring.statement
    monkeypatch.setattr(sql_near_ring, "statement", lambda **parts: used.append(1) or made(**parts))
    by_rings = {str(args): cold_page(session, args) for args in QUERIES}
    assert len(used) >= 5  # the searches by place alone over wide circles
    monkeypatch.setattr(sql_near_ring, "applies", lambda plan, params: False)
    for args in QUERIES:
        assert by_rings[str(args)] == cold_page(session, args), args
    assert by_rings[str({"radius_km": 100})][2] > 100


def test_the_ring_bounds_the_crowd(session, crowd):
    """In the crowd the ring's 20th best is close enough that the reach is well inside the circle, so the pages
    above were read from the narrowed box."""
    _, scores, _ = cold_page(session, {"radius_km": DEFAULT_RING_KM, "online": "exclude"})
    assert len(scores) == 20
    assert reach(session, scores[-1]) < 50


def test_only_first_pages_by_best_score_over_wide_circles_use_rings():
    box = {"min_lon": -1.0, "max_lon": 1.0}

    def plan(**args) -> Plan:
        query = SearchQuery.from_args({"lat": str(LAT), "lon": str(LON), **args})
        return make_plan(query, NOW, "UTC")

    assert sql_near_ring.applies(plan(radius_km="100"), box)
    assert sql_near_ring.applies(plan(radius_km="25", free="1", kind="club", online="exclude"), box)
    assert not sql_near_ring.applies(plan(radius_km="100"), {"min_lon": 179.0, "max_lon": -179.0})  # antimeridian
    assert not sql_near_ring.applies(plan(radius_km="5"), box)
    assert not sql_near_ring.applies(plan(radius_km="100", page="2"), box)
    assert not sql_near_ring.applies(plan(radius_km="100", sort="nearest"), box)
    assert not sql_near_ring.applies(plan(radius_km="100", q="chess"), box)
    assert sql_near_ring.applies(plan(radius_km="100", interests="games"), box)  # one interest: a wider ring
    assert not sql_near_ring.applies(plan(radius_km="25", interests="games"), box)
    assert not sql_near_ring.applies(plan(radius_km="100", interests="games, crafts"), box)


@pytest.mark.parametrize("floor", [0.36, 0.45, 0.5, 0.6, 0.64])
def test_no_row_beyond_the_reach_scores_the_floor(session, floor):
    """Beyond the reach even a row starting now with the most connection scores below the floor; just inside it
    such a row reaches it (the reach is no wider than needed, but for its margin)."""
    far = reach(session, floor)

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

    if far < 100.0:
        assert best_possible(far - 0.001) >= floor
        assert best_possible(far + 0.001) < floor
    else:
        assert best_possible(100.0) >= floor - 1e-12
    assert reach(session, 0.3) == 100.0  # timeliness and connection alone reach the floor anywhere: the radius
    assert reach(session, 0.65) == pytest.approx(sql_near_ring.MARGIN)  # only a row at the point itself
    assert reach(session, 0.6, rows=19) == 100.0  # fewer ring rows than the page: the radius
    # with one interest every row on the page has it: its part (W_INTEREST) joins the ceiling
    assert reach(session, floor + ranking.W_INTEREST, tags=["games"]) == pytest.approx(far)


def test_rows_at_the_edge_of_the_reach_are_read(session, monkeypatch):
    """Rows that belong on the page lie beyond the ring, due east, west, north and south near the reach: the box
    narrowed to the reach holds them all (a box narrowed too far in longitude or latitude drops them). The point is
    0.17 km south of a 0.1° band's edge, so the rows north lie in the next band."""
    center = (51.5985, LON)
    monkeypatch.setattr(sql_near_ring, "RING_KM", 1.0)
    east = 1 / (111.195 * math.cos(math.radians(center[0])))  # degrees of longitude per km here
    for i in range(20):  # within the ring: weekly, in person, starting in hours (the floor, about 0.55)
        lat, lon = km_north(*center, 0.3 + i * 0.02)
        add_listing(
            session, f"Ring {i}", lat=lat, lon=lon, rrule="FREQ=WEEKLY;BYDAY=MO", starts=[NOW + timedelta(hours=5)]
        )
    edge = [(0.0, 2.3), (0.0, -2.3), (2.3, 0.0), (-2.3, 0.0), (1.6, 1.6), (-1.6, -1.6)]
    for i, (north, eastward) in enumerate(edge):  # the most connection, starting now: above the floor
        lat, lon = km_north(*center, north)
        add_listing(
            session,
            f"Edge {i}",
            lat=lat,
            lon=lon + eastward * east,
            rrule="FREQ=WEEKLY;BYDAY=MO",
            description="All welcome. A small group.",
            starts=[NOW + timedelta(minutes=10)],
        )
    session.commit()
    args = {"radius_km": 50, "online": "exclude"}
    ids, scores, total = cold_page(session, args, at=center)
    assert total == 26 and 1.0 < reach(session, scores[-1], radius_km=50, at=center) < 3.0
    edges = {listing_id for (listing_id,) in session.execute(text("SELECT id FROM listings WHERE title LIKE 'Edge%'"))}
    assert edges <= set(ids)
    monkeypatch.setattr(sql_near_ring, "applies", lambda plan, params: False)
    assert cold_page(session, args, at=center) == (ids, scores, total)


@pytest.mark.parametrize(
    "center",
    [(89.97, 10.0), (-89.97, -120.0), (0.01, 179.995), (64.0, -179.99)],
    ids=["north-pole", "south-pole", "antimeridian-east", "antimeridian-west"],
)
def test_near_a_pole_or_the_antimeridian_the_pages_are_the_same(session, monkeypatch, center):
    """Around a pole the boxes span every longitude; across the antimeridian the branch's box wraps (rings are not
    used there): either way the pages equal those of the branch scoring every row."""
    rng = random.Random(7)
    for i in range(60):
        km = rng.uniform(0, 60)
        bearing = rng.uniform(0, 2 * math.pi)
        lat = max(-89.999, min(89.999, center[0] + km * math.cos(bearing) / 111.195))
        lon = center[1] + km * math.sin(bearing) / (111.195 * max(math.cos(math.radians(lat)), 0.01))
        lon = (lon + 180.0) % 360.0 - 180.0
        add_listing(
            session,
            f"Far {i}",
            lat=lat,
            lon=lon,
            rrule="FREQ=WEEKLY;BYDAY=MO" if i % 2 else None,
            starts=[NOW + timedelta(hours=rng.choice([1, 30, 300]))],
        )
    session.commit()
    queries = ({"radius_km": 50, "online": "exclude"}, {"radius_km": 100, "online": "exclude", "per_page": 5})
    by_rings = [cold_page(session, args, at=center) for args in queries]
    monkeypatch.setattr(sql_near_ring, "applies", lambda plan, params: False)
    assert by_rings == [cold_page(session, args, at=center) for args in queries]
    assert by_rings[0][2] > 20
