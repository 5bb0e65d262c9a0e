"""Licences and attribution on both databases: shown on listing pages and in the API; sources whose
licence forbids republication (`republish = false`) shown as links only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from finder.catalog.licences import terms
from finder.models import Listing, ListingSource, Occurrence, Source
from finder.web.extensions import get_session
from tests.search_helpers import LONDON, add_listing

LAT, LON = LONDON
BLURB = "Bring a thermos; the towpath is muddy in winter."


@pytest.fixture
def listings(app):
    with app.app_context():
        session = get_session()
        osm = Source(
            slug="osm-clubs",
            adapter="overpass",
            url="https://overpass.example/api",
            republish=True,
            licence="ODbL 1.0",
            attribution="© OpenStreetMap contributors",
        )
        closed = Source(
            slug="closed-board",
            adapter="rss",
            url="https://board.example/feed",
            republish=False,
            licence="All rights reserved",
            attribution="Board Example Ltd",
        )
        session.add_all([osm, closed])
        session.flush()
        walk = add_listing(session, "Canal Walkers", lat=LAT, lon=LON, description=BLURB, url="https://walk.example/")
        chess = add_listing(
            session, "Chess Circle", lat=LAT, lon=LON + 0.01, description=BLURB, url="https://board.example/chess"
        )
        session.add_all(
            [
                ListingSource(listing_id=walk.id, source_id=osm.id, source_key="w", source_url="https://osm.example/w"),
                ListingSource(
                    listing_id=chess.id, source_id=closed.id, source_key="c", source_url="https://board.example/c"
                ),
            ]
        )
        session.commit()
        return {"walk": walk.id, "chess": chess.id}


def test_listing_page_shows_licence_and_attribution(client, listings):
    page = client.get(f"/listings/{listings['walk']}").get_data(as_text=True)
    assert "© OpenStreetMap contributors" in page and "Licence: ODbL 1.0" in page
    assert BLURB in page


def test_links_only_source_shows_title_and_link_out_but_no_description(client, listings):
    page = client.get(f"/listings/{listings['chess']}").get_data(as_text=True)
    assert "Chess Circle" in page and "https://board.example/chess" in page
    assert BLURB not in page and "Bring a thermos" not in page
    assert "Licence: All rights reserved" in page and "Board Example Ltd" in page


def test_api_listing_carries_licence_and_respects_links_only(client, listings):
    walk = client.get(f"/api/v1/listings/{listings['walk']}").get_json()
    assert (walk["licence"], walk["attribution"], walk["links_only"]) == (
        "ODbL 1.0",
        "© OpenStreetMap contributors",
        False,
    )
    assert walk["description"] == BLURB
    chess = client.get(f"/api/v1/listings/{listings['chess']}").get_json()
    assert chess["links_only"] is True and chess["description"] == ""
    assert chess["title"] == "Chess Circle" and chess["source_url"] == "https://board.example/c"


def test_api_search_results_carry_licence_fields(client, listings):
    body = client.get(f"/api/v1/search?lat={LAT}&lon={LON}&radius_km=5").get_json()
    by_title = {r["title"]: r for r in body["results"]}
    assert by_title["Canal Walkers"]["licence"] == "ODbL 1.0"
    assert by_title["Chess Circle"]["links_only"] is True
    assert by_title["Chess Circle"]["attribution"] == "Board Example Ltd"
    assert {"id", "title", "url", "source_url"} <= set(by_title["Chess Circle"]), "existing keys are kept"


def test_openapi_documents_the_new_fields(client):
    schema = client.get("/api/v1/openapi.json").get_json()
    text = str(schema)
    assert "links_only" in text and "attribution" in text


@pytest.mark.parametrize(
    "sources, expected",
    [
        ([], {"licence": None, "attribution": None, "links_only": False}),
        ([("CC BY 4.0", "GeoNames", True)], {"licence": "CC BY 4.0", "attribution": "GeoNames", "links_only": False}),
        (
            [("ODbL", "OSM", True), ("Terms", "Site", False), ("ODbL", "OSM", True)],
            {"licence": "ODbL; Terms", "attribution": "OSM; Site", "links_only": True},
        ),
    ],
)
def test_terms_of_several_sources(sources, expected):
    rows = [
        Source(licence=licence, attribution=attribution, republish=republish)
        for licence, attribution, republish in sources
    ]
    assert terms(rows) == expected


def test_feeds_carry_no_description_from_a_links_only_source(frozen_now, app, client, listings):
    with app.app_context():
        session = get_session()
        for key in ("walk", "chess"):
            listing = session.get(Listing, listings[key])
            start = frozen_now + timedelta(days=3)  # the feeds hold what is upcoming by the clock
            listing.occurrences.append(Occurrence(start=start, end=start + timedelta(hours=2)))
        session.commit()
    chess = client.get(f"/listings/{listings['chess']}.ics").get_data(as_text=True)
    walk = client.get(f"/listings/{listings['walk']}.ics").get_data(as_text=True)
    assert "BEGIN:VEVENT" in chess and "Chess Circle" in chess and "thermos" not in chess
    assert "BEGIN:VEVENT" in walk and "thermos" in walk
    search = client.get(f"/search.ics?lat={LAT}&lon={LON}&radius_km=5").get_data(as_text=True)
    assert "Chess Circle" in search and "Canal Walkers" in search
    assert search.count("thermos") == walk.count("thermos")  # the walk's text only
