"""`Listing.extra`, the fields adapters keep that have no column (issue 21): stored by the importer within
bounds, given back only by the single-listing API (and not for a links-only source)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from finder.ingest.importer import ingest
from finder.ingest.prepare import MAX_EXTRA_BYTES, MAX_EXTRA_KEYS, stored_extra
from finder.models import Listing, ListingSource, Source
from finder.web.extensions import get_session
from scrapers.base import Context
from scrapers.places_csv import PlacesCsvAdapter
from tests.search_helpers import add_listing

NOW = datetime(2030, 1, 1, tzinfo=UTC)
CLUBS = Path(__file__).parent / "fixtures" / "places_csv" / "sports_clubs.csv"


def test_stored_extra_keeps_json_values_within_bounds():
    assert stored_extra({"phone": "0113 496 0001", "level": ["beginner"], "coached": True}) == {
        "phone": "0113 496 0001", "level": ["beginner"], "coached": True}  # fmt: skip
    assert stored_extra({"when": NOW, "nan": float("nan"), "ok": 1}) == {"ok": 1}  # not JSON: left out
    many = stored_extra({f"k{i}": i for i in range(100)})
    assert len(many) == MAX_EXTRA_KEYS and list(many)[:2] == ["k0", "k1"]
    big = stored_extra({"a": "x" * 3_000, "b": "y" * 3_000, "c": "short"})
    assert list(big) == ["a", "c"] and len(json.dumps(big).encode()) <= MAX_EXTRA_BYTES  # b whole or not at all
    assert stored_extra({}) == {} and stored_extra(None) == {}


def test_the_importer_stores_extra_and_a_second_run_is_unchanged(session):
    source = Source(slug="leeds-clubs", adapter="csv", url="file:clubs.csv", country="GB")
    session.add(source)
    session.flush()
    items = PlacesCsvAdapter().parse(CLUBS.read_bytes(), "", Context())
    first = ingest(session, source, items, now=NOW)
    session.commit()
    stored = session.scalar(select(Listing).where(Listing.title == "Kirkstall Harriers"))
    assert stored.extra == {"phone": "0113 496 0001"}
    assert session.scalar(select(Listing).where(Listing.title == "Headingley Netball Club")).extra == {}
    again = ingest(session, source, PlacesCsvAdapter().parse(CLUBS.read_bytes(), "", Context()), now=NOW)
    assert (first.inserted, again.inserted, again.updated, again.unchanged) == (3, 0, 0, 3)
    changed = PlacesCsvAdapter().parse(CLUBS.read_bytes().replace(b"0113 496 0001", b"0113 496 0999"), "", Context())
    third = ingest(session, source, changed, now=NOW)
    session.commit()
    assert third.updated == 1
    session.refresh(stored)
    assert stored.extra == {"phone": "0113 496 0999"}


def test_only_the_single_listing_endpoint_gives_extra(app, client):
    with app.app_context():
        session = get_session()
        open_source = Source(slug="open", adapter="csv", url="https://example.org/a.csv", republish=True)
        closed = Source(slug="closed", adapter="csv", url="https://example.org/b.csv", republish=False)
        session.add_all([open_source, closed])
        session.flush()
        ids = []
        for title, source in (("Open club", open_source), ("Closed club", closed)):
            listing = add_listing(session, title, lat=53.8, lon=-1.55)
            listing.extra = {"phone": "0113 496 0001"}
            session.add(ListingSource(listing_id=listing.id, source_id=source.id, source_key=title))
            ids.append(listing.id)
        session.commit()
    body = client.get(f"/api/v1/listings/{ids[0]}").get_json()
    assert body["extra"] == {"phone": "0113 496 0001"}
    assert client.get(f"/api/v1/listings/{ids[1]}").get_json()["extra"] == {}  # links only: nothing republished
    results = client.get("/api/v1/search?lat=53.8&lon=-1.55&radius_km=5").get_json()["results"]
    assert results and all("extra" not in result for result in results)
