"""`where=` falls back to the online geocoder (FINDER_GEOCODER) when the gazetteer has no answer: through
/api/v1/search and the results page on both databases, against a local server speaking Nominatim JSON."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from finder import create_app
from finder.geo.online import attribution_for
from finder.models import GeocodeCache, GeocodeRate
from finder.web.extensions import get_session
from tests.conftest import FIXTURES, clear_tables, make_test_config
from tests.search_helpers import add_listing, km_north

NOMINATIM_ANSWER = json.loads((FIXTURES / "geo" / "nominatim_search.json").read_text(encoding="utf-8"))
LAT, LON = 45.7517141, 4.8425657  # the answer's point: 10 rue Jangot, Lyon
WHERE = "10 rue Jangot, Lyon"  # a street address: the gazetteer knows towns and postcodes, not streets


def make_app(engine, db_url, tmp_path, gazetteer_path, **settings):
    clear_tables(engine)
    app = create_app(make_test_config(db_url, tmp_path, GAZETTEER_PATH=str(gazetteer_path), **settings))
    with app.app_context():
        session = get_session()
        add_listing(session, "Jangot Repair Café", lat=km_north(LAT, LON, 1)[0], lon=LON, tags=["crafts"])
        add_listing(session, "Far Away Choir", lat=km_north(LAT, LON, 300)[0], lon=LON, tags=["music"])
        session.commit()
    return app


@pytest.fixture
def online_app(engine, db_url, tmp_path, gazetteer_path, httpserver):
    app = make_app(
        engine,
        db_url,
        tmp_path,
        gazetteer_path,
        GEOCODER="nominatim",
        GEOCODER_URL=httpserver.url_for("/").rstrip("/"),
        GEOCODER_MIN_DELAY_S=0.5,
    )
    yield app
    app.extensions["engine"].dispose()


def test_an_address_the_gazetteer_cannot_answer_is_found_online_once_then_cached(online_app, httpserver):
    httpserver.expect_request(
        "/search", query_string={"q": WHERE, "format": "json", "limit": "1", "addressdetails": "1"}
    ).respond_with_json(NOMINATIM_ANSWER)
    client = online_app.test_client()
    first = client.get(f"/api/v1/search?where={WHERE}&radius_km=10")
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert [r["title"] for r in body["results"]] == ["Jangot Repair Café"]
    assert (body["place"]["lat"], body["place"]["lon"], body["place"]["precision"]) == (LAT, LON, "point")
    assert body["place"]["name"].startswith("10, Rue Jangot") and body["place"]["attribution"] == attribution_for(
        "nominatim"
    )
    assert client.get(f"/api/v1/search?where={WHERE.upper()}&radius_km=10").get_json()["total"] == 1  # the cache
    page = client.get(f"/search?where={WHERE}&radius_km=10")
    assert page.status_code == 200 and "Jangot Repair Café" in page.get_data(as_text=True)
    assert attribution_for("nominatim") in page.get_data(as_text=True)  # the provider's credit beside its answer
    assert len(httpserver.log) == 1, [request.url for request, _ in httpserver.log]
    ((request, _response),) = httpserver.log
    assert request.headers["User-Agent"].startswith("KindredBot")
    with online_app.app_context():
        session = get_session()
        (cached,) = session.scalars(select(GeocodeCache)).all()
        assert cached.found and cached.provider == "nominatim"
        assert session.scalar(select(GeocodeRate.next_at)) > 0  # the shared rate limit took a slot


def test_a_place_the_gazetteer_knows_never_goes_online(online_app, httpserver):
    answer = online_app.test_client().get("/api/v1/search?where=London&radius_km=10")
    assert answer.status_code == 200 and answer.get_json()["place"]["name"].startswith("London")
    assert "attribution" not in answer.get_json()["place"]
    assert httpserver.log == []


def test_an_online_miss_is_422_and_cached(online_app, httpserver):
    httpserver.expect_request("/search").respond_with_json([])
    client = online_app.test_client()
    for _ in range(2):
        answer = client.get("/api/v1/search?where=Qqqzzz Nowhere Street 99")
        assert answer.status_code == 422 and answer.get_json()["error"]["code"] == "unknown_place"
    assert len(httpserver.log) == 1


def test_a_failing_provider_is_an_unknown_place_not_a_500(online_app, httpserver):
    httpserver.expect_request("/search").respond_with_data("overloaded", status=503)
    answer = online_app.test_client().get(f"/api/v1/search?where={WHERE}")
    assert answer.status_code == 422 and answer.get_json()["error"]["code"] == "unknown_place"


def test_offline_by_default_asks_no_server(engine, db_url, tmp_path, gazetteer_path, httpserver):
    app = make_app(engine, db_url, tmp_path, gazetteer_path, GEOCODER_URL=httpserver.url_for("/").rstrip("/"))
    assert app.extensions["online_geocoder"] is None
    answer = app.test_client().get(f"/api/v1/search?where={WHERE}")
    assert answer.status_code == 422 and httpserver.log == []
    app.extensions["engine"].dispose()


def test_an_unknown_provider_stops_the_app_at_start_and_doctor_says_so(engine, db_url, tmp_path, gazetteer_path):
    from finder.cli.doctor import check_settings

    config = make_test_config(db_url, tmp_path, GAZETTEER_PATH=str(gazetteer_path), GEOCODER="no-such-one")
    with pytest.raises(RuntimeError, match="unknown geopy provider 'no-such-one'"):
        create_app(config)
    assert not check_settings(config).ok and "FINDER_GEOCODER" in check_settings(config).detail


def test_alert_digests_resolve_a_saved_place_through_the_same_fallback(online_app, httpserver):
    from datetime import UTC, datetime

    from finder.alerts.matching import make_matcher
    from finder.web.extensions import place_resolver

    httpserver.expect_request("/search").respond_with_json(NOMINATIM_ANSWER)
    with online_app.app_context():
        matcher = make_matcher(place_resolver(online_app))
        found = matcher(
            get_session(),
            {"where": WHERE, "radius_km": "10"},
            datetime(2000, 1, 1, tzinfo=UTC),
            set(),
            11,
            now=datetime.now(UTC),
        )
    assert [listing.title for listing in found] == ["Jangot Repair Café"]
