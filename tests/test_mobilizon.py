"""Mobilizon GraphQL adapter (searchEvents / searchGroups), on fixtures written from the documented shape."""

from datetime import UTC, datetime

import pytest

from scrapers import ADAPTERS
from scrapers.base import Context, ParseError
from scrapers.mobilizon import MobilizonAdapter, lon_lat
from tests.adapter_fuzz import check_corpus_never_crashes, check_never_crashes


def window() -> Context:
    return Context(window_start=datetime(2026, 1, 1, tzinfo=UTC), window_end=datetime(2026, 3, 1, tzinfo=UTC))


def read(name: str) -> bytes:
    with open(f"tests/fixtures/mobilizon/{name}", "rb") as handle:
        return handle.read()


@pytest.fixture
def events():
    context = window()
    listings = MobilizonAdapter().parse(read("search_events.json"), "https://mobilizon.example/api", context)
    return {listing.title: listing for listing in listings}, context


def test_registered():
    assert ADAPTERS["mobilizon"] is MobilizonAdapter


def test_geom_is_lon_then_lat():
    assert lon_lat("4.8422;45.7517") == (45.7517, 4.8422)
    assert lon_lat({"type": "Point", "coordinates": [4.8, 45.7]}) == (45.7, 4.8)
    assert lon_lat("garbage") is None and lon_lat("200;100") is None


def test_in_person_event(events):
    listings, _ = events
    velo = listings["Atelier vélo"]
    assert (velo.lat, velo.lon) == (45.7517, 4.8422)
    assert velo.timezone == "Europe/Paris"
    assert velo.start.isoformat() == "2026-01-10T14:00:00+01:00"
    assert velo.venue.name == "La Cyclerie" and velo.venue.street == "10 Rue Jangot"
    assert (velo.venue.locality, velo.venue.postcode, velo.venue.country) == ("Lyon", "69007", "France")
    assert velo.online is False and velo.extra["links"] == ["https://atelier.example/velo"]
    assert velo.categories == ["vélo", "DIY", "OUTDOORS_ADVENTURE"]
    assert velo.extra["capacity"] == 12
    assert velo.organizer.name == "Collectif Vélo" and velo.organizer.url == "https://mobilizon.example/@velo"
    assert velo.description == "Réparez votre vélo & rencontrez du monde."
    assert velo.image_url == "https://mobilizon.example/media/velo.jpg"
    assert velo.source_key == "5b3f3a42-0000-4000-8000-000000000101"
    assert len(velo.occurrences) == 1 and velo.problems() == []


def test_online_cancelled_event(events):
    listings, _ = events
    apero = listings["Apéro en ligne"]
    assert apero.kind == "online" and apero.online
    assert apero.online_url == "https://visio.example.org/b/apero-123"
    assert apero.status == "cancelled" and apero.occurrences[0].status == "cancelled"
    assert apero.organizer.name == "Marie" and apero.venue.is_empty()


def test_utc_times_move_into_the_source_zone():
    context = Context(window_start=datetime(2026, 1, 1, tzinfo=UTC), timezone="Europe/Paris")
    listings = {item.title: item for item in MobilizonAdapter().parse(read("search_events.json"), "", context)}
    apero = listings["Apéro en ligne"]
    assert apero.timezone == "Europe/Paris" and apero.start.isoformat() == "2026-01-12T19:00:00+01:00"
    assert apero.end.isoformat() == "2026-01-12T20:00:00+01:00"


def test_unreadable_event_reported(events):
    listings, context = events
    assert "No start here" not in listings
    assert any("beginsOn" in problem for problem in context.problems)


def test_groups_are_clubs():
    [group] = MobilizonAdapter().parse(read("search_groups.json"), "", window())
    assert group.kind == "club"
    assert group.title == "Club de lecture de la Croix-Rousse"
    assert (group.lat, group.lon) == (45.774, 4.832)
    assert group.venue.locality == "Lyon" and group.extra["members"] == 23
    assert group.description == "On lit, on parle, on boit du thé."
    assert group.problems() == []


def test_graphql_errors_are_a_failed_request():
    with pytest.raises(ParseError, match="invalid value"):
        MobilizonAdapter().parse(read("errors.json"), "", window())


@pytest.mark.parametrize("body", [b"[]", b'{"data": {"other": {}}}', b"nope", b'{"data": {"searchEvents": null}}'])
def test_not_mobilizon_raises_parse_error(body):
    with pytest.raises(ParseError):
        MobilizonAdapter().parse(body, "", window())


def test_sniff():
    assert MobilizonAdapter.sniff(read("search_events.json"), "")
    assert MobilizonAdapter.sniff(read("search_groups.json"), "")
    assert not MobilizonAdapter.sniff(b'[{"start_datetime": 1}]', "")


KEYS = ["data", "errors", "message", "searchEvents", "searchGroups", "elements", "title", "url", "beginsOn", "endsOn", "physicalAddress", "geom", "locality", "onlineAddress", "status", "tags", "options", "isOnline", "picture", "attributedTo", "timezone", "name", "summary"]


def test_generated_json_never_crashes():
    check_never_crashes(MobilizonAdapter, KEYS)


def test_no_corpus_file_crashes(corpus):
    check_corpus_never_crashes(MobilizonAdapter, corpus)
