"""finder/geo/resolver.py: resolving what people type and where listings are, on the fixture gazetteer."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from finder.cli import main
from finder.config import Config
from finder.geo.gazetteer import Place
from finder.geo.math import haversine_km
from finder.geo.place_text import Reading, interpretations, looks_like_postcode, name_keys, postcode_keys
from finder.geo.resolver import PlaceQueryError, Resolver, geocode_listing, get_resolver
from scrapers.listing import Listing, Venue
from tests.conftest import FIXTURES

# Where each query must land (within 25 km), its precision and country.
EXPECTED = [
    ("Portland, OR", 45.52, -122.68, "locality", "US"),
    ("Portland, ME", 43.66, -70.26, "locality", "US"),
    ("Portland, Oregon, USA", 45.52, -122.68, "locality", "US"),
    ("Cambridge, UK", 52.20, 0.12, "locality", "GB"),
    ("Cambridge MA", 42.37, -71.11, "locality", "US"),
    ("cambridge, massachusetts", 42.37, -71.11, "locality", "US"),
    ("10001", 40.75, -74.00, "postcode", "US"),
    ("SW1A 1AA", 51.50, -0.13, "postcode", "GB"),
    ("sw1a1aa", 51.50, -0.13, "postcode", "GB"),
    ("M5V 2T6", 43.64, -79.40, "postcode", "CA"),
    ("75001, France", 48.86, 2.34, "postcode", "FR"),
    ("Paris 75001", 48.86, 2.34, "postcode", "FR"),
    ("75001 Paris", 48.86, 2.34, "postcode", "FR"),
    ("Sydney 2000", -33.87, 151.21, "postcode", "AU"),
    ("100-0001", 35.68, 139.75, "postcode", "JP"),
    ("Berlin", 52.52, 13.40, "locality", "DE"),
    ("München", 48.14, 11.58, "locality", "DE"),
    ("MUENCHEN", 48.14, 11.58, "locality", "DE"),
    ("Munich", 48.14, 11.58, "locality", "DE"),
    ("Zürich", 47.37, 8.55, "locality", "CH"),
    ("zurich", 47.37, 8.55, "locality", "CH"),
    ("São Paulo", -23.55, -46.63, "locality", "BR"),
    ("Sao Paulo", -23.55, -46.63, "locality", "BR"),
    ("Bombay", 19.07, 72.88, "locality", "IN"),
    ("Tokyo", 35.69, 139.69, "locality", "JP"),
    ("London, Ontario", 42.98, -81.23, "locality", "CA"),
    ("Paris, TX", 33.66, -95.56, "locality", "US"),
    ("in Boston, MA 02139", 42.37, -71.10, "postcode", "US"),
    ("Oregon", 45.40, -122.75, "region", "US"),  # the fixture's Oregon: Portland and Salem
    ("France", 48.86, 2.35, "country", "FR"),
]


@pytest.fixture(scope="module")
def resolver(gazetteer_path):
    return Resolver(gazetteer_path)


@pytest.mark.parametrize(("query", "lat", "lon", "precision", "country"), EXPECTED)
def test_resolve(resolver, query, lat, lon, precision, country):
    place = resolver.resolve(query)
    assert place is not None, query
    assert (place.precision, place.country) == (precision, country), place
    assert haversine_km(place.lat, place.lon, lat, lon) < 25, place


def test_ambiguous_name_ranked_by_population(resolver):
    portland = resolver.resolve("Portland")
    assert portland.name == "Portland, Oregon, United States"
    assert [a.name for a in portland.alternatives] == ["Portland, Maine, United States"]
    springfield = resolver.resolve("Springfield")
    populations = [springfield.population] + [a.population for a in springfield.alternatives]
    assert len(populations) == 3 and populations == sorted(populations, reverse=True)
    assert resolver.resolve("Portland, OR").alternatives == []


def test_country_hint_prefers_that_country(resolver):
    assert resolver.resolve("London").country == "GB"
    assert resolver.resolve("London", country_hint="CA").country == "CA"
    assert resolver.resolve("London", country_hint="Canada").country == "CA"
    assert resolver.resolve("75001").country == "FR"  # Paris outweighs Addison, TX
    assert resolver.resolve("75001", country_hint="us").name.startswith("75001 Addison")
    assert resolver.resolve("Paris", country_hint="nowhere-land").country == "FR"


def test_coordinates(resolver):
    for text in ("near 45.52,-122.68", "45.52 -122.68", "45.52N 122.68W"):
        place = resolver.resolve(text)
        assert (place.lat, place.lon, place.precision) == (45.52, -122.68, "point")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no place"),
        ("   \t ", "no place"),
        ("?!?!", "not a place"),
        ("x" * 201, "too long"),
        ("95, 100", "out of range"),
        (None, "must be text"),
    ],
)
def test_bad_input_raises_clear_error(resolver, text, message):
    with pytest.raises(PlaceQueryError, match=message):
        resolver.resolve(text)
    assert issubclass(PlaceQueryError, ValueError)


def test_unknown_place_is_none(resolver):
    assert resolver.resolve("Atlantis, Narnia") is None
    assert resolver.resolve("Atlantis, Oregon") is None
    assert resolver.resolve("99999") is None


def test_unknown_qualifiers_are_ignored_only_when_nothing_else_fits(resolver):
    assert resolver.resolve("Portland, Multnomah County, USA").region == "Oregon"
    assert resolver.resolve("Portland, Narnia").region == "Oregon"
    assert resolver.resolve("Town Hall, Cambridge MA").region == "Massachusetts"
    assert resolver.resolve("Town Hall, France") is None  # a later part alone never yields a country
    assert resolver.resolve("Springfield Elementary") is None  # without a comma, no word is ignored


def test_place_to_dict(resolver):
    data = resolver.resolve("Portland").to_dict()
    assert set(data) >= {"name", "lat", "lon", "precision", "country", "alternatives"}
    assert data["alternatives"][0]["name"].startswith("Portland, Maine")


def test_readings_and_postcodes_are_pure():
    assert looks_like_postcode("SW1A 1AA") and looks_like_postcode("1012 AB") and looks_like_postcode("100-0001")
    assert not looks_like_postcode("Route") and not looks_like_postcode("1234567890")
    assert postcode_keys("SW1A 1AA") == ["SW1A1AA", "SW1A"]
    assert postcode_keys("M5V2T6") == ["M5V2T6", "M5V"]
    assert postcode_keys("10001-1234") == ["100011234", "10001"]
    assert name_keys("St. Ives") == ["st ives", "saint ives"]
    assert name_keys("The Hague") == ["the hague", "hague"]
    readings = interpretations("Portland, OR 97201")
    assert Reading("Portland", ("OR",), "97201") in readings
    assert interpretations("Cambridge MA")[1:2] == [Reading("Cambridge", ("MA",), "")]
    assert Reading("Cambridge MA", (), "", partial=True) in interpretations("Town Hall, Cambridge MA")


def test_get_resolver_caches_and_reports_missing(gazetteer_path, tmp_path):
    config = Config(GAZETTEER_PATH=str(gazetteer_path))
    assert get_resolver(config) is get_resolver(config)
    assert get_resolver(Config(GAZETTEER_PATH=str(tmp_path / "absent.sqlite"))) is None
    with pytest.raises(FileNotFoundError, match="gazetteer build"):
        Resolver(tmp_path / "absent.sqlite")


def test_resolver_is_safe_across_threads(resolver):
    barrier = threading.Barrier(4)

    def look(query):
        barrier.wait()
        return [resolver.resolve(query).country for _ in range(50)]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(look, ["Berlin", "Tokyo", "10001", "Bombay"]))
    assert [set(r) for r in results] == [{"DE"}, {"JP"}, {"US"}, {"IN"}]


def _listing(**venue) -> Listing:
    return Listing(title="Chess club", kind="club", venue=Venue(**venue))


@pytest.mark.parametrize(
    ("venue", "defaults", "lat", "lon", "precision"),
    [
        (
            {"street": "1 Main St", "locality": "Portland", "region": "ME", "postcode": "04101"},
            {},
            43.66,
            -70.26,
            "postcode",
        ),
        ({"locality": "Portland", "region": "Maine"}, {}, 43.66, -70.26, "locality"),
        ({"locality": "Portland", "region": "Multnomah County", "country": "US"}, {}, 45.52, -122.68, "locality"),
        ({"postcode": "SW1A 1AA", "country": "GB"}, {}, 51.50, -0.13, "postcode"),
        ({"postcode": "75001"}, {"country": "US"}, 32.96, -96.84, "postcode"),
        ({"postcode": "75001", "locality": "Paris", "country": "France"}, {}, 48.86, 2.34, "postcode"),
        # A postcode far from the stated town loses to the town.
        ({"postcode": "97201", "locality": "Bangor", "region": "ME"}, {}, 44.80, -68.77, "locality"),
        ({"street": "Town Hall, Cambridge MA"}, {}, 42.37, -71.11, "locality"),
        (
            {"name": "Community Hall"},
            {"locality": "Salem", "region": "OR", "country": "US"},
            44.94,
            -123.04,
            "locality",
        ),
        ({"locality": "Nowhereville"}, {"locality": "Cambridge", "country": "GB"}, 52.20, 0.12, "locality"),
        ({}, {"country": "Germany"}, 52.52, 13.40, "country"),
    ],
)
def test_geocode_listing_order(resolver, venue, defaults, lat, lon, precision):
    found = geocode_listing(resolver, _listing(**venue), defaults)
    assert found is not None
    assert found[2] == precision
    assert haversine_km(found[0], found[1], lat, lon) < 25


def test_geocode_listing_keeps_source_coordinates_and_survives_junk(resolver):
    listing = _listing(locality="Berlin")
    listing.lat, listing.lon = 1.5, 2.5
    assert geocode_listing(resolver, listing, {}) == (1.5, 2.5, "source")
    assert geocode_listing(resolver, _listing(locality="?!", postcode="x" * 300), {}) is None
    assert geocode_listing(resolver, _listing(), {}) is None
    assert geocode_listing(None, _listing(locality="Berlin"), {}) is None


def test_place_is_the_agreed_shape():
    place = Place("X", 1.0, 2.0, "locality", "US", [])
    assert (place.name, place.lat, place.lon, place.precision, place.country, place.alternatives) == (
        "X",
        1.0,
        2.0,
        "locality",
        "US",
        [],
    )


# --- the commands -------------------------------------------------------------------------------------------


@pytest.fixture
def geo_app(engine, db_url, tmp_path, gazetteer_path):
    from finder import create_app
    from tests.conftest import clear_tables, make_test_config

    clear_tables(engine)
    app = create_app(make_test_config(db_url, tmp_path, GAZETTEER_PATH=str(gazetteer_path)))
    yield app
    app.extensions["engine"].dispose()


def test_cli_gazetteer_build_and_geocode(geo_app, tmp_path):
    runner = geo_app.test_cli_runner()
    out = tmp_path / "built.sqlite"
    fixture = FIXTURES / "geo" / "gazetteer.json"
    result = runner.invoke(main, ["gazetteer", "build", "--fixture", str(fixture), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "places" in result.output and out.is_file()
    result = runner.invoke(main, ["geocode", "Portland"])
    assert result.exit_code == 0
    assert "Portland, Oregon, United States" in result.output and "or: Portland, Maine" in result.output
    result = runner.invoke(main, ["geocode", "London", "--country", "CA", "--json"])
    data = json.loads(result.output)
    assert (data["country"], data["precision"]) == ("CA", "locality")
    result = runner.invoke(main, ["geocode", "  "])
    assert result.exit_code == 1 and "no place given" in result.output
    result = runner.invoke(main, ["geocode", "Atlantis"])
    assert result.exit_code == 1 and "no place found" in result.output


def test_cli_without_gazetteer_says_how_to_build(engine, db_url, tmp_path):
    from finder import create_app
    from tests.conftest import make_test_config

    app = create_app(make_test_config(db_url, tmp_path, GAZETTEER_PATH=str(tmp_path / "none.sqlite")))
    result = app.test_cli_runner().invoke(main, ["geocode", "Berlin"])
    app.extensions["engine"].dispose()
    assert result.exit_code == 1 and "finder gazetteer build" in result.output


def test_cli_geocode_missing_never_touches_source_coordinates(geo_app):
    from finder.models import Listing as Row
    from finder.models import ListingSource, Source

    maker = geo_app.extensions["sessionmaker"]
    with maker() as session:
        source = Source(
            slug="maine-clubs",
            adapter="ics",
            url="http://example.invalid/a.ics",
            locality="Portland",
            region="ME",
            country="US",
        )
        rows = {
            "bare": Row(kind="club", title="Knitting"),  # only the source's default place
            "town": Row(kind="club", title="Chess", locality="Bangor", region="ME", country="US"),
            "source": Row(kind="club", title="Choir", locality="Bangor", lat=10.0, lon=20.0, geo_precision="source"),
            "ours": Row(kind="club", title="Rowing", postcode="04101", lat=1.0, lon=1.0, geo_precision="locality"),
            "lost": Row(kind="event", title="Online meetup", online=True),
        }
        session.add_all([source, *rows.values()])
        session.flush()
        for key, row in rows.items():
            session.add(ListingSource(listing_id=row.id, source_id=source.id, source_key=key))
        session.commit()
        ids = {key: row.id for key, row in rows.items()}

    runner = geo_app.test_cli_runner()
    result = runner.invoke(main, ["geocode-missing"])
    assert result.exit_code == 0, result.output
    assert "checked=3 located=2 changed=2 not_found=1" in result.output
    with maker() as session:
        got = {key: session.get(Row, ident) for key, ident in ids.items()}
        assert haversine_km(got["bare"].lat, got["bare"].lon, 43.66, -70.26) < 25
        assert got["town"].geo_precision == "locality" and got["town"].lat == pytest.approx(44.80, abs=0.1)
        assert (got["source"].lat, got["ours"].lat, got["lost"].lat) == (10.0, 1.0, None)

    result = runner.invoke(main, ["geocode-missing", "--all"])
    assert result.exit_code == 0, result.output
    with maker() as session:
        choir, rowing = session.get(Row, ids["source"]), session.get(Row, ids["ours"])
        assert (choir.lat, choir.lon, choir.geo_precision) == (10.0, 20.0, "source")
        assert rowing.geo_precision == "postcode" and rowing.lat == pytest.approx(43.66, abs=0.05)


def _choices(resolver, where: str) -> list[str]:
    """The "Which place did you mean?" choices the search offers for `where` (empty when one place wins)."""
    from finder.search.query import PlaceError, SearchQuery
    from finder.search.run import resolve_place

    try:
        resolve_place(SearchQuery(where=where), resolver)
    except PlaceError as error:
        return error.suggestions
    return []


@pytest.mark.parametrize("where", ["São Paulo", "Sao Paulo", "sao paulo"])
def test_a_city_wins_over_its_own_state_of_the_same_name(resolver, where):
    """The state (a region of more people, its point elsewhere) is the same place by name: no choice to make."""
    from finder.search.query import SearchQuery
    from finder.search.run import resolve_place

    assert _choices(resolver, where) == []
    place = resolve_place(SearchQuery(where=where), resolver)
    assert (place["name"], place["precision"]) == ("São Paulo, Brazil", "locality")


def test_choices_are_distinct_and_include_a_district_of_a_metropolis(resolver):
    choices = _choices(resolver, "Richmond")
    assert len(choices) == len(set(choices)) >= 3
    assert {
        "Richmond, Virginia, United States",
        "Richmond, British Columbia, Canada",
        "Richmond, England, United Kingdom",
    } <= set(choices)
    london_richmond = resolver.resolve("Richmond, England, United Kingdom")  # the choice, typed back
    assert haversine_km(london_richmond.lat, london_richmond.lon, 51.46, -0.31) < 2
    assert len(_choices(resolver, "Springfield")) >= 2  # no metropolis: the choices as before
    assert _choices(resolver, "Portland") == [] and _choices(resolver, "London") == []


@pytest.mark.parametrize("where", ["N1", "n1", "London N1", "SE15", "se15"])
def test_london_outward_codes_of_two_and_four_characters(resolver, where):
    place = resolver.resolve(where)
    assert place is not None and place.precision == "postcode" and place.country == "GB", where
    assert haversine_km(place.lat, place.lon, 51.51, -0.09) < 15


def test_two_character_postcodes_are_uk_districts_only():
    assert looks_like_postcode("N1") and looks_like_postcode("e1") and looks_like_postcode("W1")
    assert not looks_like_postcode("12") and not looks_like_postcode("NW") and not looks_like_postcode("1N")
