"""/api/v1 through the test client on both databases: answer shapes, errors (400/422, never 500), OpenAPI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from finder.models import ListingSource, Source
from finder.web.extensions import get_session
from tests.search_helpers import LONDON, add_listing, km_north

LAT, LON = LONDON
RESULT_KEYS = {
    "id",
    "title",
    "kind",
    "distance_km",
    "next_start",
    "reasons",
    "url",
    "source_url",
    "lat",
    "lon",
    "tags",
    "online",
}


@pytest.fixture
def listings(app):
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    with app.app_context():
        session = get_session()
        garden = add_listing(
            session,
            "Garden Volunteers",
            lat=LAT,
            lon=LON,
            kind="volunteer",
            tags=["gardening"],
            rrule="FREQ=WEEKLY;BYDAY=TU",
            description="Drop-in, all welcome",
            starts=[soon],
            timezone="Europe/London",
        )
        source = Source(slug="demo", adapter="ics", url="https://example.org/cal.ics")
        session.add(source)
        session.flush()
        session.add(
            ListingSource(
                listing_id=garden.id, source_id=source.id, source_key="g1", source_url="https://example.org/garden"
            )
        )
        add_listing(session, "Chess Club", lat=km_north(LAT, LON, 3)[0], lon=LON, tags=["games"])
        add_listing(session, "Online Writers", online=True, kind="online", tags=["writing"])
        session.commit()
        return {"garden": garden.id, "soon": soon}


def test_search_answer_has_the_contract_shape(client, listings):
    answer = client.get(f"/api/v1/search?lat={LAT}&lon={LON}&radius_km=10&interests=gardening")
    assert answer.status_code == 200
    body = answer.get_json()
    assert set(body) == {"total", "page", "per_page", "place", "results"}
    assert body["total"] == 1 and body["page"] == 1 and body["per_page"] == 20
    assert set(body["place"]) == {"name", "lat", "lon", "precision"}
    (result,) = body["results"]
    assert RESULT_KEYS <= set(result)  # the contract's keys; extensions may add more
    assert result["id"] == listings["garden"]
    assert result["url"] == f"/listings/{listings['garden']}"
    assert result["source_url"] == "https://example.org/garden"
    assert result["tags"] == ["gardening"] and result["online"] is False
    assert result["distance_km"] == 0.0
    assert datetime.fromisoformat(result["next_start"]) == listings["soon"]
    assert result["next_start"][-6:] in ("+00:00", "+01:00")
    assert "Meets every Tuesday" in result["reasons"] and "Matches Gardening" in result["reasons"]


def test_online_results_have_no_distance_and_no_place_means_null(client, listings):
    body = client.get("/api/v1/search?online=only").get_json()
    assert body["place"] is None
    assert [r["title"] for r in body["results"]] == ["Online Writers"]
    assert body["results"][0]["distance_km"] is None


def test_where_resolves_through_the_gazetteer(app, client, listings, gazetteer_path):
    app.config["FINDER"].GAZETTEER_PATH = str(gazetteer_path)
    body = client.get("/api/v1/search?where=London&radius_km=10&online=exclude").get_json()
    assert body["place"]["name"].startswith("London")
    assert {r["title"] for r in body["results"]} == {"Garden Volunteers", "Chess Club"}
    unknown = client.get("/api/v1/search?where=Qqxyzzy")
    assert unknown.status_code == 422
    assert unknown.get_json()["error"] == {
        "code": "unknown_place",
        "message": unknown.get_json()["error"]["message"],
        "param": "where",
        "suggestions": [],
    }
    ambiguous = client.get("/api/v1/search?where=Springfield").get_json()["error"]
    assert ambiguous["code"] == "ambiguous_place" and len(ambiguous["suggestions"]) >= 2


BAD_PARAMETERS = [
    ("lat=abc&lon=1", "lat"),
    ("lat=10", "lon"),
    ("radius_km=0", "radius_km"),
    ("radius_mi=-1", "radius_mi"),
    ("kind=party", "kind"),
    ("when=tomorrowish", "when"),
    ("from=2026-02-30", "from"),
    ("per_page=500", "per_page"),
    ("page=-1", "page"),
    ("sort=random", "sort"),
    ("online=maybe", "online"),
    ("newcomer=perhaps", "newcomer"),
    ("days=someday", "days"),
    ("time=noon", "time"),
    ("access=stairs", "access"),
    ("lat=nan&lon=1", "lat"),
    ("where=" + "x" * 300, "where"),
    ("where=%21%21%21", "where"),
    ("where=95,200", "where"),
]


def test_bad_parameters_answer_400_naming_the_parameter(app, client, listings, gazetteer_path):
    app.config["FINDER"].GAZETTEER_PATH = str(gazetteer_path)
    for query, param in BAD_PARAMETERS:
        answer = client.get("/api/v1/search?" + query)
        assert answer.status_code == 400, (query, answer.get_data(as_text=True))
        error = answer.get_json()["error"]
        assert error["param"] == param and error["code"] == "bad_parameter" and error["message"], query


def test_where_without_a_gazetteer_is_422_not_500(app, client, listings, tmp_path):
    app.config["FINDER"].GAZETTEER_PATH = str(tmp_path / "missing.sqlite")
    answer = client.get("/api/v1/search?where=London")
    assert answer.status_code == 422


def test_listing_detail_and_404(client, listings):
    body = client.get(f"/api/v1/listings/{listings['garden']}").get_json()
    assert RESULT_KEYS <= set(body)
    assert body["title"] == "Garden Volunteers" and body["recurrence"] == "FREQ=WEEKLY;BYDAY=TU"
    assert body["occurrences"][0]["status"] == "scheduled"
    assert body["sources"] == [{"url": "https://example.org/garden", "source": "demo"}]
    missing = client.get("/api/v1/listings/999999")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_tags_lists_the_vocabulary_with_counts(client, listings):
    tags = {t["slug"]: t for t in client.get("/api/v1/tags").get_json()["tags"]}
    assert tags["gardening"]["listings"] == 1 and tags["gardening"]["label"] == "Gardening"
    assert tags["dance"]["listings"] == 0


def test_openapi_document_describes_the_api(client):
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    document = answer.get_json()
    assert document["openapi"].startswith("3.")
    search = document["paths"]["/api/v1/search"]["get"]
    names = {p["name"] for p in search["parameters"]}
    assert {"where", "lat", "lon", "radius_km", "interests", "from", "online", "per_page"} <= names
    assert {"200", "400", "422"} <= set(search["responses"])
    assert "/api/v1/listings/{listing_id}" in document["paths"]


def test_cli_reindex_and_search(app, listings):
    from sqlalchemy import text

    from finder.cli import main

    with app.app_context():
        session = get_session()
        session.execute(text("DELETE FROM listing_geo"))
        session.commit()
    runner = app.test_cli_runner()
    reindexed = runner.invoke(main, ["search", "reindex"])
    assert reindexed.exit_code == 0 and "3 listings indexed" in reindexed.output
    found = runner.invoke(main, ["search", "query", f"lat={LAT}", f"lon={LON}", "interests=gardening"])
    assert found.exit_code == 0 and "1 found" in found.output and "Garden Volunteers" in found.output
    assert "Matches Gardening" in found.output  # ranking's reasons in their English words
    bad = runner.invoke(main, ["search", "query", "kind=party"])
    assert bad.exit_code == 2 and "kind" in bad.output
