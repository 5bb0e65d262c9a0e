"""The catalogue's defaults reach the stored listing through the real import path, for every adapter.

One rule in the importer (finder/ingest/defaults.py): a source's kind, tags, timezone and
locality/country fill what an item leaves blank; kind "online" means online and placeless.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from finder.ingest.defaults import apply_source_defaults
from finder.ingest.runs import default_fetcher, run_source
from finder.models import Listing, Source
from scrapers.listing import Listing as Item
from scrapers.listing import Venue
from tests.conftest import make_test_config

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

# adapter -> (fixture, content type, what to cut so that no next page points off the test server)
CASES = {
    "ics": ("ics/bare_vevent_bom.ics", "text/calendar", ()),
    "schemaorg": ("schemaorg/club_ngo.html", "text/html", ()),
    "tec": (
        "tec/events_page1.json",
        "application/json",
        (b"https://club.example/wp-json/tribe/events/v1/events?page=2",),
    ),
    "gancio": ("gancio/events.json", "application/json", ()),
    "mobilizon": ("mobilizon/search_events.json", "application/json", ()),
    "activitypub": ("activitypub/outbox_page.json", "application/activity+json", (b"/@club/outbox?page=2",)),
    "socrata": ("socrata/volunteer_rows.json", "application/json", ()),
    "overpass": ("overpass/clubs.json", "application/json", ()),
    "hsds": ("hsds/page.json", "application/json", ()),
    "rss": ("rss/atom_ev.xml", "application/atom+xml", ()),
    "footprint": ("footprint/edge_cases.xml", "application/xml", ()),
    "gcal": ("gcal/walking_club.json", "application/json", ()),
    "fullcalendar": ("fullcalendar/event_organiser.json", "application/json", ()),
}
# A kind no adapter falls back to, so that seeing it stored proves the catalogue's default arrived;
# Footprint states its kind (volunteer) itself, so it keeps it.
CATALOGUE_KIND = {"socrata": "club", "footprint": "club"}
STATED_KIND = {"footprint": "volunteer"}


@pytest.fixture
def config(db_url, tmp_path):
    return make_test_config(db_url, tmp_path, EXPANSION_DAYS=60)


def import_fixture(session, config, httpserver, adapter: str, **defaults) -> list[Listing]:
    name, content_type, cut = CASES[adapter]
    body = (FIXTURES / name).read_bytes()
    for link in cut:
        body = body.replace(link, b"")
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request(f"/{adapter}").respond_with_data(body, content_type=content_type)
    session.add(Source(slug=f"defaults-{adapter}", adapter=adapter, url=httpserver.url_for(f"/{adapter}"), **defaults))
    session.commit()
    run = run_source(session, f"defaults-{adapter}", fetcher=default_fetcher(session, config), now=NOW, config=config)
    session.commit()
    assert run.status in ("ok", "partial"), (run.status, run.error, run.problems)
    stored = session.scalars(select(Listing).order_by(Listing.id)).all()
    assert stored, run.problems
    return stored


@pytest.mark.parametrize("adapter", sorted(CASES))
def test_the_catalogues_defaults_reach_the_stored_listing(session, config, httpserver, adapter):
    kind = CATALOGUE_KIND.get(adapter, "volunteer")
    stored = import_fixture(
        session,
        config,
        httpserver,
        adapter,
        kind=kind,
        tags=["volunteering-general"],
        timezone="Pacific/Auckland",
        locality="Wellington",
        country="NZ",
    )
    expected_kind = STATED_KIND.get(adapter, kind)
    assert {listing.kind for listing in stored} == {expected_kind}
    assert all("volunteering-general" in {tag.slug for tag in listing.tags} for listing in stored)
    # the source's zone fills only what an item leaves blank: every listing has one
    assert all(listing.timezone for listing in stored)
    placed = [listing for listing in stored if not listing.online]
    assert all(listing.country for listing in placed)  # the source's country where the item gave none


@pytest.mark.parametrize("adapter", ["ics", "schemaorg", "tec", "overpass"])
def test_an_online_source_makes_online_placeless_listings(session, config, httpserver, adapter):
    stored = import_fixture(
        session, config, httpserver, adapter, kind="online", timezone="UTC", locality="Wellington", country="NZ"
    )
    for listing in stored:
        assert (listing.kind, listing.online) == ("online", True)
        assert (listing.lat, listing.lon, listing.venue_name, listing.locality) == (None, None, "", "")


def test_the_rule_keeps_what_the_item_says():
    source = Source(
        slug="s",
        adapter="ics",
        url="file:x",
        kind="volunteer",
        tags=["volunteering-general"],
        timezone="Europe/London",
        locality="London",
        region="England",
        country="GB",
    )
    item = Item(
        title="Shift",
        kind="event",
        timezone="Europe/Paris",
        tags=["outdoors-walking"],
        venue=Venue(name="Hall", locality="Leeds"),
    )
    filled = apply_source_defaults(item, source)
    assert (filled.kind, filled.timezone, filled.tags) == (
        "volunteer",
        "Europe/Paris",
        ["outdoors-walking", "volunteering-general"],
    )
    assert (filled.venue.locality, filled.venue.region, filled.venue.country) == ("Leeds", "", "GB")
    assert apply_source_defaults(filled, source) == filled  # twice is once
    stated = Item(title="Role", kind="volunteer", kind_stated=True)
    assert (
        apply_source_defaults(stated, Source(slug="c", adapter="footprint", url="file:x", kind="club")).kind
        == "volunteer"
    )
    bare = Item(title="Role", kind="club", venue=Venue(street="1 High St"))
    assert apply_source_defaults(bare, source).venue.locality == "London"
    assert (
        apply_source_defaults(Item(title="x", start=NOW), Source(slug="n", adapter="ics", url="file:x")).kind == "event"
    )
