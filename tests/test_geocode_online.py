"""finder/geo/online.py: the opt-in geopy provider against a local server speaking Nominatim JSON."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest
from werkzeug import Response

from finder.config import Config
from finder.geo.online import OnlineGeocoder, attribution_for, get_online_geocoder, purge_expired, resolve_place
from finder.geo.resolver import PlaceQueryError, Resolver
from tests.conftest import FIXTURES

NOMINATIM_ANSWER = json.loads((FIXTURES / "geo" / "nominatim_search.json").read_text(encoding="utf-8"))
START_S = 1_800_000_000.0


class FakeClock:
    """A clock that only moves when told; `sleep` records each wait and moves the clock on."""

    def __init__(self):
        self.now = START_S
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))


def make_geocoder(engine, httpserver, clock, **overrides) -> OnlineGeocoder:
    values = dict(
        GEOCODER="nominatim",
        GEOCODER_URL=httpserver.url_for("/").rstrip("/"),
        GEOCODER_MIN_DELAY_S=1.0,
        USER_AGENT="KindredTest/1 (+http://example.invalid)",
    )
    values.update(overrides)
    return OnlineGeocoder(Config(**values), engine, clock=clock, sleep=clock.sleep)


@pytest.fixture
def clean_engine(session, engine):
    """The engine on emptied tables (the `session` fixture clears them)."""
    return engine


def test_hit_is_fetched_once_then_cached(clean_engine, httpserver):
    httpserver.expect_request("/search").respond_with_json(NOMINATIM_ANSWER)
    clock = FakeClock()
    geocoder = make_geocoder(clean_engine, httpserver, clock)
    first = geocoder.geocode("10 rue Jangot, Lyon", country_hint="fr")
    second = geocoder.geocode("10 Rue Jangot,  LYON", country_hint="FR")
    assert (first.lat, first.lon, first.precision, first.country) == (45.7517141, 4.8425657, "point", "FR")
    assert first.name.startswith("10, Rue Jangot")
    assert second == first
    assert len(httpserver.log) == 1
    request = httpserver.log[0][0]
    assert request.args["q"] == "10 rue Jangot, Lyon"
    assert request.args["countrycodes"] == "fr"
    assert request.headers["User-Agent"] == "KindredTest/1 (+http://example.invalid)"


def test_misses_are_cached_until_they_expire(clean_engine, httpserver):
    httpserver.expect_request("/search").respond_with_json([])
    clock = FakeClock()
    geocoder = make_geocoder(clean_engine, httpserver, clock)
    assert geocoder.geocode("Nowhere Street 99") is None
    assert geocoder.geocode("Nowhere Street 99") is None
    assert len(httpserver.log) == 1
    clock.now += 2 * 86400  # misses live one day
    assert purge_expired(clean_engine, datetime.fromtimestamp(clock.now, UTC)) == 1
    assert geocoder.geocode("Nowhere Street 99") is None
    assert len(httpserver.log) == 2
    assert purge_expired(clean_engine, datetime.fromtimestamp(clock.now, UTC)) == 0


def test_one_rate_limit_shared_by_processes_and_hits_never_wait(clean_engine, httpserver):
    httpserver.expect_request("/search").respond_with_json(NOMINATIM_ANSWER)
    clock = FakeClock()
    # Two geocoders on one database stand for two processes.
    first, second = make_geocoder(clean_engine, httpserver, clock), make_geocoder(clean_engine, httpserver, clock)
    first.geocode("query one")
    second.geocode("query two")
    first.geocode("query three")
    assert clock.sleeps == [1.0, 2.0]
    second.geocode("query one")  # a cache hit: no request, no wait
    assert clock.sleeps == [1.0, 2.0]
    assert len(httpserver.log) == 3
    clock.now += 10  # slots in the past are not owed
    assert first.wait_for_slot() == clock.now
    assert clock.sleeps == [1.0, 2.0]


def test_provider_failure_is_not_cached(clean_engine, httpserver, caplog):
    httpserver.expect_ordered_request("/search").respond_with_response(Response("down", status=500))
    httpserver.expect_ordered_request("/search").respond_with_json(NOMINATIM_ANSWER)
    clock = FakeClock()
    geocoder = make_geocoder(clean_engine, httpserver, clock)
    with caplog.at_level(logging.WARNING, logger="finder.geo.online"):
        assert geocoder.geocode("10 rue Jangot") is None
    assert "failed" in caplog.text
    assert geocoder.geocode("10 rue Jangot").country == "FR"


def test_resolve_place_asks_online_only_when_the_gazetteer_cannot(clean_engine, httpserver, gazetteer_path):
    httpserver.expect_request("/search").respond_with_json(NOMINATIM_ANSWER)
    resolver = Resolver(gazetteer_path)
    geocoder = make_geocoder(clean_engine, httpserver, FakeClock())
    place, credit = resolve_place(resolver, geocoder, "Berlin")
    assert place.country == "DE" and "GeoNames" in credit
    assert len(httpserver.log) == 0
    place, credit = resolve_place(resolver, geocoder, "10 rue Jangot, Lyon")
    assert place.country == "FR" and credit == attribution_for("nominatim") and "OpenStreetMap" in credit
    assert resolve_place(resolver, None, "Atlantis") == (None, "")
    with pytest.raises(PlaceQueryError):
        resolve_place(resolver, geocoder, "   ")
    assert len(httpserver.log) == 1


def test_settings(clean_engine):
    assert get_online_geocoder(Config(), clean_engine) is None  # offline by default
    public = get_online_geocoder(Config(GEOCODER="nominatim", GEOCODER_MIN_DELAY_S=0.0), clean_engine)
    assert public.min_delay_s == 1.0  # public Nominatim: one request per second, whatever the setting
    with pytest.raises(ValueError, match="unknown geopy provider"):
        get_online_geocoder(Config(GEOCODER="no-such-provider"), clean_engine)
    assert attribution_for("photon").startswith("Search results ©")
