"""ActivityPub Event adapter: bare events, Create activities, collection pages."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from scrapers import ADAPTERS
from scrapers.activitypub import ActivityPubAdapter
from scrapers.base import Context, ParseError
from tests.adapter_fuzz import check_corpus_never_crashes, check_never_crashes

PAGE_URL = "https://events.example/@club/outbox?page=1"


def window() -> Context:
    return Context(window_start=datetime(2026, 1, 1, tzinfo=UTC), window_end=datetime(2026, 3, 1, tzinfo=UTC))


def read(name: str) -> bytes:
    with open(f"tests/fixtures/activitypub/{name}", "rb") as handle:
        return handle.read()


@pytest.fixture
def page():
    context = window()
    listings = ActivityPubAdapter().parse(read("outbox_page.json"), PAGE_URL, context)
    return {listing.source_key: listing for listing in listings}, context


def test_registered():
    assert ADAPTERS["activitypub"] is ActivityPubAdapter


def test_create_wrapped_event_in_a_collection_page(page):
    listings, _ = page
    games = listings["https://events.example/events/aaa"]
    assert games.title == "Board games night"
    assert games.timezone == "Europe/Berlin"
    assert games.start.isoformat() == "2026-01-15T19:00:00+01:00"
    assert games.end - games.start == timedelta(hours=3)
    assert games.url == "https://events.example/events/aaa"
    assert games.venue.name == "Spielecafé" and games.venue.street == "Torstraße 1"
    assert (games.venue.locality, games.venue.postcode, games.venue.country) == ("Berlin", "10119", "DE")
    assert (games.lat, games.lon) == (52.52, 13.405)
    assert games.categories == ["boardgames"]  # the Mention is not a category
    assert games.extra["capacity"] == 20 and games.extra["join_mode"] == "free"
    assert games.image_url == "https://events.example/media/games.jpg"
    assert games.organizer.url == "https://events.example/@club"
    assert games.description == "Newcomers welcome! x" and "javascript" not in games.description_html
    assert games.online is False and len(games.occurrences) == 1
    assert games.problems() == []


def test_online_cancelled_event(page):
    listings, _ = page
    dojo = listings["https://events.example/events/bbb"]
    assert dojo.kind == "online" and dojo.online
    assert dojo.online_url == "https://meet.jit.si/dojo"
    assert dojo.status == "cancelled"
    assert [o.status for o in dojo.occurrences] == ["cancelled"]
    assert dojo.timezone is None and dojo.start == datetime(2026, 1, 20, 18, 0, tzinfo=UTC)


def test_unreadable_items_skipped_with_reason(page):
    listings, context = page
    assert len(listings) == 2  # the id-only Create and the Note are not events; the broken one is reported
    assert any("startTime" in problem for problem in context.problems)


def test_next_page_links():
    adapter = ActivityPubAdapter()
    assert adapter.next_url(read("outbox_page.json"), PAGE_URL) == "https://events.example/@club/outbox?page=2"
    first = read("collection_first.json")
    assert adapter.next_url(first, "https://gancio.example/federation/u/relay/outbox") == (
        "https://gancio.example/federation/u/relay/outbox?page=1"
    )
    assert adapter.parse(first, "", window()) == []


def test_corpus_gancio_create_event(corpus):
    body = (corpus / "activitypub-events" / "gancio_ap_create_event_activity.json").read_bytes()
    context = window()
    [listing] = ActivityPubAdapter().parse(body, "https://demo.gancio.org/federation/m/1", context)
    assert listing.title == "Demo event"
    assert listing.start.isoformat() == "2021-07-14T17:30:57+02:00"
    assert listing.end.isoformat() == "2021-07-14T18:30:57+02:00"
    assert listing.timezone is None  # only an offset is given
    assert listing.venue.name == "Colosseo" and listing.venue.street == "" and listing.lat is None
    assert listing.categories == ["test"]
    assert listing.url == "https://demo.gancio.org/event/demo-event"
    assert listing.description.startswith("📍 Colosseo") and listing.description == listing.description.strip()
    assert listing.occurrences == []  # 2021 is outside the window
    assert listing.problems() == [] and context.problems == []
    assert ActivityPubAdapter.sniff(body, "")


def test_source_zone_is_named_when_the_offset_fits(corpus):
    body = (corpus / "activitypub-events" / "gancio_ap_create_event_activity.json").read_bytes()
    rome = Context(window_start=datetime(2026, 1, 1, tzinfo=UTC), timezone="Europe/Rome")
    assert ActivityPubAdapter().parse(body, "", rome)[0].timezone == "Europe/Rome"
    london = Context(window_start=datetime(2026, 1, 1, tzinfo=UTC), timezone="Europe/London")
    [listing] = ActivityPubAdapter().parse(body, "", london)
    assert listing.timezone is None and listing.start.isoformat() == "2021-07-14T17:30:57+02:00"


def test_corpus_mobilizon_create_event(corpus):
    body = (corpus / "activitypub-events" / "mobilizon_ap_create_event_activity.json").read_bytes()
    [listing] = ActivityPubAdapter().parse(body, "", window())
    assert listing.title == "My first event"
    assert listing.start == datetime(2018, 2, 12, 14, 8, 20, tzinfo=UTC) and listing.end is None
    venue = listing.venue
    assert (venue.name, venue.street, venue.postcode) == ("Locaux de Framasoft", "10 Rue Jangot", "69007")
    assert (venue.locality, venue.region, venue.country) == ("Lyon", "Auvergne Rhône Alpes", "France")
    assert listing.lat is None  # the Place has no geo
    assert listing.organizer.url == "https://mobilizon.fr/@metacartes"
    assert listing.description == "@tcit"
    assert listing.categories == ["TODO remove me"]  # sc:category, as the source says
    assert listing.online is False and listing.extra["links"] == ["https://something.org", "https://google.com"]
    assert listing.source_key == "https://mobilizon.fr/events/39a0c4a6-f2b6-41dc-bbe2-fc5bff76cc93"
    assert listing.problems() == []


@pytest.mark.parametrize("data", [{"type": "Person", "name": "x"}, {"hello": "world"}, [1, 2], "Event"])
def test_not_activitypub_raises_parse_error(data):
    with pytest.raises(ParseError):
        ActivityPubAdapter().parse(json.dumps(data).encode(), "", window())


def test_not_json_raises_parse_error():
    with pytest.raises(ParseError):
        ActivityPubAdapter().parse(b"<html></html>", "", window())


KEYS = [
    "type",
    "object",
    "orderedItems",
    "items",
    "first",
    "next",
    "startTime",
    "endTime",
    "name",
    "location",
    "address",
    "tag",
    "href",
    "url",
    "attachment",
    "mediaType",
    "content",
    "timezone",
    "mz:joinMode",
    "sc:maximumAttendeeCapacity",
    "ical:status",
    "latitude",
    "longitude",
    "isOnline",
    "Event",
    "Create",
]


def test_generated_json_never_crashes():
    check_never_crashes(ActivityPubAdapter, KEYS)


def test_no_corpus_file_crashes(corpus):
    check_corpus_never_crashes(ActivityPubAdapter, corpus)
