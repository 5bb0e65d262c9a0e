"""The near branch with words driven from either side (finder/search/sql_near_words.py) changes nothing: walking
the box and probing the matches, or looking each match up by id, gives the pages, scores and totals of the
one-branch statement, for common and rare words, listings in the cells around the point but outside the circle,
ties, filters, interests, sorts and pages."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from finder.search import SearchQuery, sql_near_words
from finder.search.run import make_plan
from finder.search.sql import build
from tests.search_helpers import LONDON, NOW, add_listing, cold_page, km_north

LAT, LON = LONDON
QUERIES = (
    {"q": "club"},
    {"q": "club", "radius_km": 100},
    {"q": "club", "radius_km": 5, "per_page": 4, "page": 2},
    {"q": "club", "radius_km": 140, "sort": "nearest", "per_page": 7},
    {"q": "club", "radius_km": 60, "sort": "soonest", "per_page": 6, "page": 3},
    {"q": "club", "radius_km": 100, "free": "1", "kind": "club,event"},
    {"q": "club", "radius_km": 100, "interests": "chess"},
    {"q": "club evening", "radius_km": 100},
    {"q": "origami", "radius_km": 100},
    {"q": "origami", "radius_km": 100, "online": "exclude"},
    {"q": "nothingmatches", "radius_km": 100},
)


@pytest.fixture
def region(session):
    """150 listings 0-150 km around London in every direction (so the 1° cells hold rows outside the circle),
    most with a common word, a few with a rare one, shared start times (equal scores), a few over; one online."""
    rng = random.Random(11)
    for i in range(150):
        lat, lon = km_north(LAT, LON, rng.uniform(-150, 150))
        lon += rng.uniform(-2.0, 2.0)
        add_listing(
            session,
            f"{'Club ' if i % 5 else ''}{'Origami ' if i % 23 == 0 else ''}{'Evening ' if i % 3 == 0 else ''}{i}",
            lat=lat,
            lon=lon,
            kind=rng.choice(["club", "event", "volunteer"]),
            tags=rng.choice([[], ["games"], ["crafts"]]),
            description=rng.choice(["", "A friendly club", "All welcome"]),
            free=rng.random() < 0.4,
            starts=rng.choice([None, [NOW + timedelta(hours=rng.choice([-30, 5, 5, 48, 300]))]]),
        )
    add_listing(session, "Online club evening", online=True, kind="online")
    session.commit()


def search(session, args: dict):
    return cold_page(session, args)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the two-sided near statement is SQLite's
@pytest.mark.parametrize("ratio", [0, sql_near_words.BOX_RATIO, 10**6], ids=["by-match", "chosen", "by-box"])
def test_either_side_keeps_every_page_and_total(session, region, monkeypatch, ratio):
    monkeypatch.setattr(sql_near_words, "BOX_RATIO", ratio)
    found = {str(args): search(session, args) for args in QUERIES}
    monkeypatch.setattr(sql_near_words, "applies", lambda text_match, bands: False)  # the one-branch statement
    for args in QUERIES:
        assert found[str(args)] == search(session, args), args
    assert found[str({"q": "club", "radius_km": 100})][2] > 40
    assert 0 < found[str({"q": "origami", "radius_km": 100})][2] < 10


def test_only_boxes_of_many_bands_choose_a_side():
    """Below `MIN_BANDS` bands SQLite's planner walks the box itself; the two-sided statement serves wider boxes."""

    def near_sql(radius_km: int, **args) -> str:
        query = SearchQuery.from_args({"lat": str(LAT), "lon": str(LON), "radius_km": str(radius_km), **args})
        return build(make_plan(query, NOW, "UTC"), "sqlite")[0][1].text

    assert near_sql(100, q="club").startswith("WITH m(id)")
    assert not near_sql(25, q="club").startswith("WITH m(id)")
    assert not near_sql(100, interests="chess").startswith("WITH m(id)")  # no words: tags tested by row
