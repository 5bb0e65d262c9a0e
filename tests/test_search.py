"""run_search on both databases: place, radius, each filter, online handling, sorting, paging, SQL = Python order."""

from __future__ import annotations

import math
from datetime import UTC, timedelta

import pytest

from finder import ranking
from finder.geo.math import EARTH_RADIUS_KM, haversine_km
from finder.geo.resolver import Resolver
from finder.index.rows import title_norm, unit_vector
from finder.reasons import english
from finder.search import PlaceError, QueryError, SearchQuery, run_search
from tests.search_helpers import LONDON, NOW, add_listing, km_north

LAT, LON = LONDON


def search(session, resolver=None, **args):
    query = SearchQuery.from_args({k: str(v) for k, v in args.items()})
    return run_search(session, query, resolver, now=NOW)


def titles(page) -> list[str]:
    return [r.listing.title for r in page.results]


@pytest.fixture
def town(session):
    """A small town of listings around central London plus one online community and one far away."""
    add_listing(
        session,
        "Tuesday Garden Volunteers",
        lat=LAT,
        lon=LON,
        kind="volunteer",
        tags=["gardening"],
        rrule="FREQ=WEEKLY;BYDAY=TU",
        description="All welcome, no experience needed",
        free=True,
        starts=[NOW + timedelta(days=6, hours=6)],
        wheelchair=True,
    )
    add_listing(
        session,
        "Chess Club",
        lat=km_north(LAT, LON, 2)[0],
        lon=LON,
        kind="club",
        tags=["games"],
        rrule="FREQ=WEEKLY;BYDAY=TH",
        starts=[NOW + timedelta(days=1, hours=7)],
        for_seniors=True,
    )
    add_listing(
        session,
        "Saturday Park Run",
        lat=km_north(LAT, LON, 8)[0],
        lon=LON,
        kind="event",
        tags=["running"],
        starts=[NOW + timedelta(days=3, hours=-3)],
        free=True,
        for_families=True,
    )
    add_listing(
        session,
        "Pottery Evening",
        lat=km_north(LAT, LON, 15)[0],
        lon=LON,
        kind="event",
        tags=["crafts"],
        starts=[NOW + timedelta(days=21, hours=7)],
        sign_language=True,
    )
    add_listing(
        session, "Online Book Circle", online=True, kind="online", tags=["book-clubs"], rrule="FREQ=MONTHLY;BYDAY=1MO"
    )
    add_listing(session, "Edinburgh Ramblers", lat=55.9533, lon=-3.1883, kind="club", tags=["outdoors-hiking"])
    add_listing(session, "Finished Quiz", lat=LAT, lon=LON, kind="event", starts=[NOW - timedelta(days=2)])
    session.commit()


def test_radius_keeps_near_listings_and_online_ones(session, town):
    page = search(session, lat=LAT, lon=LON, radius_km=10)
    assert set(titles(page)) == {"Tuesday Garden Volunteers", "Chess Club", "Saturday Park Run", "Online Book Circle"}
    assert page.total == 4
    online = next(r for r in page.results if r.listing.online)
    assert online.distance_km is None
    chess = next(r for r in page.results if r.listing.title == "Chess Club")
    assert chess.distance_km == pytest.approx(2.0, abs=0.05)


def test_default_radius_is_25_km_and_miles_convert(session, town):
    assert "Pottery Evening" in titles(search(session, lat=LAT, lon=LON))
    assert "Pottery Evening" not in titles(search(session, lat=LAT, lon=LON, radius_mi=6))
    assert "Saturday Park Run" in titles(search(session, lat=LAT, lon=LON, radius_mi=6))


def test_online_only_and_exclude(session, town):
    assert titles(search(session, lat=LAT, lon=LON, online="only")) == ["Online Book Circle"]
    assert "Online Book Circle" not in titles(search(session, lat=LAT, lon=LON, online="exclude"))


def test_no_place_searches_everywhere_but_drops_past_listings(session, town):
    found = set(titles(search(session)))
    assert "Edinburgh Ramblers" in found and "Online Book Circle" in found
    assert "Finished Quiz" not in found


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"interests": "gardening"}, {"Tuesday Garden Volunteers"}),
        ({"interests": "chess, running"}, {"Chess Club", "Saturday Park Run"}),
        ({"interests": "pottery"}, {"Pottery Evening"}),
        ({"interests": "book clubs"}, {"Online Book Circle"}),
        ({"interests": "book clubs", "q": "circle"}, {"Online Book Circle"}),
        ({"interests": "gardening", "q": "book"}, set()),
        ({"q": "chess"}, {"Chess Club"}),
        ({"q": "garden volunteer"}, {"Tuesday Garden Volunteers"}),
        ({"q": "experience"}, {"Tuesday Garden Volunteers"}),
        ({"q": "book"}, {"Online Book Circle"}),
        ({"q": "gardening"}, {"Tuesday Garden Volunteers"}),
        ({"kind": "event"}, {"Saturday Park Run", "Pottery Evening"}),
        ({"kind": "club,online"}, {"Chess Club", "Online Book Circle"}),
        ({"free": "true"}, {"Tuesday Garden Volunteers", "Saturday Park Run"}),
        ({"newcomer": "true"}, {"Tuesday Garden Volunteers"}),
        ({"recurring": "true"}, {"Tuesday Garden Volunteers", "Chess Club", "Online Book Circle"}),
        ({"audience": "seniors"}, {"Chess Club"}),
        ({"audience": "families,seniors"}, {"Chess Club", "Saturday Park Run"}),
        ({"access": "wheelchair"}, {"Tuesday Garden Volunteers"}),
        ({"access": "sign_language"}, {"Pottery Evening"}),
        ({"days": "sat"}, {"Saturday Park Run"}),
        ({"days": "tue,thu"}, {"Tuesday Garden Volunteers", "Chess Club"}),
        ({"time": "evening"}, {"Tuesday Garden Volunteers", "Chess Club", "Pottery Evening"}),
        ({"time": "morning"}, {"Saturday Park Run"}),
        ({"when": "weekend"}, {"Saturday Park Run"}),
        ({"when": "week"}, {"Tuesday Garden Volunteers", "Chess Club", "Saturday Park Run"}),
        ({"when": "today"}, set()),
        ({"from": "2026-12-14", "to": "2026-12-16"}, {"Pottery Evening"}),
    ],
)
def test_each_filter(session, town, args, expected):
    page = search(session, lat=LAT, lon=LON, radius_km=30, **args)
    assert set(titles(page)) == expected
    assert page.total == len(expected)


def test_text_search_near_a_place_crosses_cell_borders(session):
    add_listing(session, "Lakeside Rowing", lat=52.004, lon=-0.002, kind="club")
    add_listing(session, "Hilltop Rowing", lat=51.996, lon=0.002, kind="club")
    add_listing(session, "Distant Rowing", lat=53.5, lon=-0.002, kind="club")
    session.commit()
    page = search(session, lat=51.999, lon=-0.001, radius_km=5, q="rowing")
    assert set(titles(page)) == {"Lakeside Rowing", "Hilltop Rowing"}


def test_text_without_a_place_reads_listings_with_and_without_one(session, town):
    assert set(titles(search(session, q="circle"))) == {"Online Book Circle"}
    assert set(titles(search(session, q="chess"))) == {"Chess Club"}
    assert set(titles(search(session, q="club"))) == {"Chess Club", "Online Book Circle"}  # its tag: Book clubs


def test_unknown_interest_words_fall_back_to_text(session, town):
    assert titles(search(session, interests="ramblers")) == ["Edinburgh Ramblers"]


def test_sort_nearest_and_soonest(session, town):
    nearest = titles(search(session, lat=LAT, lon=LON, radius_km=30, sort="nearest", online="exclude"))
    assert nearest == ["Tuesday Garden Volunteers", "Chess Club", "Saturday Park Run", "Pottery Evening"]
    soonest = titles(search(session, lat=LAT, lon=LON, radius_km=30, sort="soonest", online="exclude"))
    assert soonest == ["Chess Club", "Saturday Park Run", "Tuesday Garden Volunteers", "Pottery Evening"]


def test_paging_keeps_the_total(session, town):
    first = search(session, lat=LAT, lon=LON, radius_km=30, per_page=2)
    second = search(session, lat=LAT, lon=LON, radius_km=30, per_page=2, page=2)
    beyond = search(session, lat=LAT, lon=LON, radius_km=30, per_page=2, page=9)
    assert first.total == second.total == beyond.total == 5
    assert len(first.results) == 2 and len(second.results) == 2 and beyond.results == []
    assert not set(titles(first)) & set(titles(second))


def test_results_carry_reasons_and_next_start(session, town):
    page = search(session, lat=LAT, lon=LON, radius_km=30, interests="gardening")
    result = page.results[0]
    assert [english(r) for r in result.reasons[:3]] == ["Meets every Tuesday", "Right here", "Matches Gardening"]
    assert result.next_start == NOW + timedelta(days=6, hours=6)
    assert all(len(r.reasons) >= 2 for r in search(session).results)


def straight_km(lat1, lon1, lat2, lon2) -> float:
    a, b = unit_vector(lat1, lon1), unit_vector(lat2, lon2)
    return EARTH_RADIUS_KM * math.sqrt(sum((p - q) * (p - q) for p, q in zip(a, b, strict=True)))


def test_straight_line_distance_matches_great_circle_within_a_metre_at_100_km():
    lat, lon = km_north(LAT, LON, 100)
    assert abs(straight_km(LAT, LON, lat, lon) - haversine_km(LAT, LON, lat, lon)) < 0.0011


def test_sql_order_equals_python_score_order(session, town):
    for args in ({}, {"interests": "gardening, chess, running", "q": "club"}):
        page = search(session, lat=LAT, lon=LON, radius_km=30, per_page=100, **args)
        terms = ["club"] if args else []
        wanted = ["gardening", "games", "running"] if args else []
        expected = []
        for result in page.results:
            item = result.listing
            distance = None if item.online else straight_km(LAT, LON, item.lat, item.lon)
            hours = (
                None if item.next_start is None else max(item.next_start.timestamp() - NOW.timestamp(), 0.0) / 3600.0
            )
            slugs = {t.slug for t in item.tags}
            title = title_norm(item.title)
            score = ranking.score(
                distance_km=distance,
                has_place=True,
                online=item.online,
                interest_overlap=ranking.fraction(sum(s in slugs for s in wanted), len(wanted)),
                text_relevance=ranking.fraction(sum((" " + t) in title for t in terms), len(terms)),
                hours_until_start=hours,
                connection=item.connection_score,
            )
            assert result.score == pytest.approx(score, abs=1e-9)
            expected.append((-score, item.id))
        assert [r.listing.id for r in page.results] == [i for _, i in sorted(expected)]


def test_place_text_through_the_gazetteer(session, town, gazetteer_path):
    resolver = Resolver(gazetteer_path)
    page = search(session, resolver, where="London", radius_km=10)
    assert page.place["name"].startswith("London") and page.place["precision"] == "locality"
    assert "Chess Club" in titles(page)
    with pytest.raises(PlaceError) as unknown:
        search(session, resolver, where="Atlantis Xyzzy")
    assert unknown.value.suggestions == []
    with pytest.raises(PlaceError) as ambiguous:
        search(session, resolver, where="Springfield")
    assert len(ambiguous.value.suggestions) >= 2
    with pytest.raises(PlaceError):
        search(session, None, where="London")


def test_refresh_removes_hidden_listings(session, town):
    from sqlalchemy import select

    from finder.index import writes as index_writes
    from finder.models import Listing

    chess = session.scalar(select(Listing).where(Listing.title == "Chess Club"))
    chess.liveness = "hidden"
    session.flush()
    index_writes.refresh(session, [chess.id])
    assert "Chess Club" not in titles(search(session))


def test_bad_query_arguments_raise_query_error():
    for args, param in [
        ({"lat": "x", "lon": "1"}, "lat"),
        ({"lat": "1"}, "lon"),
        ({"radius_km": "-3"}, "radius_km"),
        ({"kind": "party"}, "kind"),
        ({"when": "soon"}, "when"),
        ({"from": "2026-13-01"}, "from"),
        ({"per_page": "101"}, "per_page"),
        ({"page": "0"}, "page"),
        ({"free": "maybe"}, "free"),
        ({"days": "funday"}, "days"),
        ({"online": "sometimes"}, "online"),
        ({"sort": "random"}, "sort"),
        ({"radius_km": "5", "radius_mi": "5"}, "radius_mi"),
        ({"lat": "95", "lon": "0"}, "lat"),
        ({"from": "2026-12-02", "to": "2026-12-01"}, "to"),
        ({"audience": "pets"}, "audience"),
    ]:
        with pytest.raises(QueryError) as error:
            SearchQuery.from_args(args)
        assert error.value.param == param, args


def test_query_round_trips_through_args():
    args = {
        "where": "Leeds",
        "radius_mi": "10",
        "interests": "chess,hiking",
        "kind": "club",
        "days": "tue",
        "time": "evening",
        "free": "true",
        "audience": "kids",
        "access": "wheelchair",
        "online": "exclude",
        "sort": "nearest",
        "page": "2",
        "per_page": "50",
        "when": "weekend",
        "q": "board games",
    }
    query = SearchQuery.from_args(args)
    assert SearchQuery.from_args(query.to_args()) == query
    assert SearchQuery.from_args({"where": "51.5, -0.12"}).has_point


def test_index_row_reads_local_weekday_and_time_of_day():
    from datetime import datetime
    from types import SimpleNamespace

    from finder.index.rows import FLAG_BITS, TIME_BITS, index_row

    item = SimpleNamespace(
        id=7,
        lat=40.7,
        lon=-74.0,
        online=False,
        timezone="America/New_York",
        recurrence=None,
        recurrence_text="",
        next_start=None,
        end=None,
        start=None,
        all_day=False,
        kind="event",
        title="Café Chess",
        free=True,
        for_kids=False,
        for_teens=False,
        for_seniors=False,
        for_families=True,
        for_groups=False,
        wheelchair=False,
        sign_language=False,
        newcomer_friendly=False,
        connection_score=0.5,
    )
    friday_evening_utc = datetime(2026, 12, 5, 0, 30, tzinfo=UTC)  # Friday 19:30 in New York
    row = index_row(item, ["games", "social"], [(friday_evening_utc, None, "scheduled", False)])
    assert row["days_mask"] == 1 << 4 and row["times_mask"] == TIME_BITS["evening"]
    assert row["flags"] == FLAG_BITS["free"] | FLAG_BITS["families"]
    assert row["tags"] == "|games|social|" and row["title_norm"] == " cafe chess "
    assert row["lat_band"] == 407 and row["end_epoch"] == friday_evening_utc.timestamp()
    online = index_row(SimpleNamespace(**{**item.__dict__, "online": True}), [], [])
    assert online["lat"] is None and online["x"] is None
