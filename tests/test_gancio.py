"""Gancio /api/events adapter: own fixture plus the real corpus response."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from scrapers import ADAPTERS
from scrapers.base import Context, ParseError
from scrapers.gancio import GancioAdapter
from tests.adapter_fuzz import check_corpus_never_crashes, check_never_crashes

FIXTURE = "tests/fixtures/gancio/events.json"
INSTANCE = "https://gancio.example/api/events?start=0"


def window(**kwargs) -> Context:
    return Context(window_start=datetime(2026, 1, 1, tzinfo=UTC), window_end=datetime(2026, 3, 1, tzinfo=UTC), **kwargs)


@pytest.fixture
def parsed():
    context = window(timezone="Europe/Rome")
    with open(FIXTURE, "rb") as handle:
        listings = GancioAdapter().parse(handle.read(), INSTANCE, context)
    return {listing.source_key: listing for listing in listings}, context


def test_registered():
    assert ADAPTERS["gancio"] is GancioAdapter


def test_in_person_event_with_stream_link_is_hybrid(parsed):
    listings, _ = parsed
    cafe = listings["7"]
    assert cafe.kind == "event"
    assert cafe.online is True
    assert cafe.online_url == "https://meet.jit.si/repair-cafe-stream"
    assert cafe.extra["links"] == ["https://tickets.example.org/repair"]
    assert cafe.venue.name == "Casa del Popolo" and (cafe.venue.street, cafe.venue.locality) == ("Via Roma 1", "Torino")
    assert (cafe.lat, cafe.lon) == (45.07, 7.68)
    assert cafe.start == datetime(2026, 1, 1, 19, 0, tzinfo=timezone(timedelta(hours=1)))
    assert cafe.start.utcoffset() == timedelta(hours=1) and cafe.timezone == "Europe/Rome"
    assert cafe.end - cafe.start == timedelta(hours=2)
    assert [o.start for o in cafe.occurrences] == [cafe.start]
    assert cafe.url == "https://gancio.example/event/repair-cafe"
    assert cafe.image_url == "https://gancio.example/media/abc123.jpg"
    assert cafe.description == "Bring broken things."
    assert "<script" not in cafe.description_html and "<b>broken</b>" in cafe.description_html
    assert cafe.categories == ["Repair", "community"]
    assert cafe.problems() == []


def test_online_place_makes_an_online_listing(parsed):
    listings, _ = parsed
    assembly = listings["8"]
    assert assembly.kind == "online" and assembly.online
    assert assembly.venue.is_empty() and assembly.lat is None
    assert assembly.online_url == "https://example.org/assembly-notes"
    assert assembly.end is None and assembly.image_url == ""


def test_bad_items_are_reported_not_raised(parsed):
    listings, context = parsed
    assert "9" not in listings
    assert any(problem.startswith("gancio event 2") for problem in context.problems)
    odd = listings["10"]
    assert odd.start == datetime(2026, 1, 3, 18, 0, tzinfo=UTC)
    assert odd.lat is None and odd.lon is None  # latitude 145 dropped
    assert odd.end is None  # ended before it started
    assert odd.problems() == []


def test_corpus_lhc_hackerspace(corpus):
    body = (corpus / "gancio-json" / "gancio_lhc_hackerspace_api_events.json").read_bytes()
    context = Context(window_start=datetime(2025, 3, 1, tzinfo=UTC), window_end=datetime(2025, 4, 1, tzinfo=UTC))
    [listing] = GancioAdapter().parse(body, "https://gancio-eventos-lhc.fly.dev/api/events", context)
    assert listing.title == "Oficina de IoT: Quinta Temporada - Março"
    assert listing.start == datetime(2025, 3, 12, 22, 30, tzinfo=UTC)
    assert listing.end == datetime(2025, 3, 13, 0, 0, tzinfo=UTC)
    assert listing.online is False and listing.online_url == ""  # the pretix link is a ticket shop
    assert listing.extra["links"] == ["https://pretix.lhc.net.br/IoT/iotx02/"]
    assert listing.venue.name == "Laboratório Hacker de Campinas"
    assert (listing.venue.postcode, listing.venue.locality, listing.venue.region) == ("13041-350", "Campinas", "SP")
    assert (listing.lat, listing.lon) == (-22.9178033, -47.0524533)
    assert listing.image_url == "https://gancio-eventos-lhc.fly.dev/media/536a0f4aa63815e48e991c8ddd321a19.jpg"
    assert listing.url == "https://gancio-eventos-lhc.fly.dev/event/oficina-de-iot-quinta-temporada-marco"
    assert listing.categories[:2] == ["Oficina de IoT", "comunidade"] and "plaquinhas" in listing.categories
    assert listing.source_key == "164" and len(listing.occurrences) == 1
    assert listing.problems() == [] and context.problems == []
    assert GancioAdapter.sniff(body, "")
    assert GancioAdapter().parse(body, "", window())[0].occurrences == []  # outside a 2026 window


@pytest.mark.parametrize(
    "body", [b"{not json", b'{"events": "nope"}', b'[{"title": "x"}]', b"<html><body>404</body></html>", b'"text"']
)
def test_not_gancio_raises_parse_error(body):
    with pytest.raises(ParseError):
        GancioAdapter().parse(body, INSTANCE, window())


def test_sniff_rejects_other_json():
    with open("tests/fixtures/mobilizon/search_events.json", "rb") as handle:
        assert not GancioAdapter.sniff(handle.read(), "")


KEYS = [
    "id",
    "title",
    "slug",
    "start_datetime",
    "end_datetime",
    "place",
    "name",
    "address",
    "latitude",
    "longitude",
    "online_locations",
    "tags",
    "media",
    "url",
    "description",
    "events",
    "parentId",
]


def test_generated_json_never_crashes():
    check_never_crashes(GancioAdapter, KEYS)


def test_no_corpus_file_crashes(corpus):
    check_corpus_never_crashes(GancioAdapter, corpus)
