"""FullCalendar-style JSON feeds: the EventOn corpus file plus Event Organiser / EventOn fixtures."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from scrapers.base import Context, ParseError
from scrapers.fullcalendar import FullCalendar

FIXTURES = Path(__file__).parent / "fixtures" / "fullcalendar"
AJAX_URL = "https://springfield.example/wp-admin/admin-ajax.php"


def window(first: str, last: str, **extra) -> Context:
    return Context(
        window_start=datetime.fromisoformat(first).replace(tzinfo=UTC),
        window_end=datetime.fromisoformat(last).replace(tzinfo=UTC),
        **extra,
    )


def parse_fixture(name: str, context: Context | None = None):
    context = context or window("2025-01-01", "2025-06-01", timezone="America/Chicago")
    return FullCalendar().parse((FIXTURES / name).read_bytes(), AJAX_URL, context), context


def test_corpus_cook_landbank_eventon_ajax(corpus):
    body = (corpus / "wp-events-json" / "cityscrapers_cook_landbank_eventon_ajax.json").read_bytes()
    context = window("2019-09-01", "2019-10-01", timezone="America/Chicago")
    [listing] = FullCalendar().parse(body, "http://www.cookcountylandbank.org/wp-admin/admin-ajax.php", context)
    assert context.problems == []
    assert listing.title == "CCLBA Land Transactions Committee" and listing.source_key == "4969"
    # EventOn's "unix" 1568368800 is 10:00 wall clock encoded as UTC; the page's own ICS link says 15:00Z
    assert listing.start.isoformat() == "2019-09-13T10:00:00-05:00" and listing.timezone == "America/Chicago"
    assert listing.start.astimezone(UTC) == datetime(2019, 9, 13, 15, 0, tzinfo=UTC)
    assert listing.end.isoformat() == "2019-09-13T23:50:00-05:00"
    assert listing.url == "http://www.cookcountylandbank.org/events/cclba-land-transactions-committee-20190913/"
    assert listing.venue.name.startswith("Cook County Administration Building, 22nd Floor")
    assert "Washington Park National Bank Building Discussion" in listing.description
    assert listing.image_url.endswith("Chicago.Neighborhoods_Croprev-e1485203887113.jpg")
    assert len(listing.occurrences) == 1 and listing.problems() == []  # event_past: kept


def test_corpus_eventon_without_source_zone_takes_the_offset_its_calendar_link_states(corpus):
    """The wall clock (10:00) with the card's `sunix=20190913T150000Z`: -05:00, no zone name
    (scrapers/page_zones.py)."""
    body = (corpus / "wp-events-json" / "cityscrapers_cook_landbank_eventon_ajax.json").read_bytes()
    [listing] = FullCalendar().parse(body, "", window("2019-09-01", "2019-10-01"))
    assert listing.start.isoformat() == "2019-09-13T10:00:00-05:00" and listing.timezone is None
    assert not listing.assumed_timezone


def test_event_organiser_naive_local_times_use_the_source_zone():
    listings, context = parse_fixture("event_organiser.json")
    chess = listings[0]
    assert chess.title == "Beginners\u2019 chess club"  # entity decoded
    assert chess.start.isoformat() == "2025-02-04T18:30:00-06:00" and chess.timezone == "America/Chicago"
    assert chess.end - chess.start == timedelta(minutes=90)
    assert chess.url == "https://springfield.example/events/event/beginners-chess-club/"  # relative resolved
    assert chess.description == "Boards provided. All ages, kids welcome." and "<em>" in chess.description_html
    assert (chess.venue.name, chess.venue.street, chess.venue.postcode) == ("Central Library", "1 Main St", "62701")
    assert (chess.lat, chess.lon) == (39.799, -89.644)
    assert chess.categories == ["Games", "Kids & Families"]
    assert chess.organizer.name == "Springfield Chess Friends" and chess.source_key == "101"


def test_all_day_offset_epoch_and_status():
    listings, context = parse_fixture("event_organiser.json")
    _, garden, litter, quiz = listings
    assert (garden.start, garden.end, garden.all_day) == (date(2025, 2, 8), date(2025, 2, 10), True)
    assert garden.categories == ["Gardening"]
    assert litter.start.isoformat() == "2025-02-09T10:00:00+01:00" and litter.timezone is None
    assert litter.status == "postponed" and litter.venue.name == "Riverside Park, Springfield"
    assert quiz.start.astimezone(UTC) == datetime(2025, 2, 12, 19, 0, tzinfo=UTC)  # epoch milliseconds
    assert quiz.status == "cancelled" and quiz.occurrences[0].status == "cancelled"
    assert context.problems == ["event 4: ValueError: unreadable time 'sometime next week'"]


def test_eventon_fixture_details_from_the_html_content():
    tenants, orientation = parse_fixture("eventon_month.json")[0]
    assert tenants.start.isoformat() == "2025-02-14T10:00:00-06:00"
    assert tenants.url == "https://springfield.example/events/tenants-meeting/"
    assert tenants.image_url == "https://springfield.example/img/tenants.jpg"
    assert (tenants.venue.name, tenants.venue.street, tenants.venue.postcode) == ("Ward Office", "200 Elm Ave", "62702")
    assert tenants.description == "Monthly meeting, everyone welcome."
    assert orientation.status == "cancelled" and orientation.url == "https://volunteer.example/orientation"


def test_window_keeps_past_listings_without_occurrences():
    listings, _ = parse_fixture("event_organiser.json", window("2025-03-01", "2025-04-01", timezone="America/Chicago"))
    assert len(listings) == 4 and all(listing.occurrences == [] for listing in listings)


def test_wrapped_events_object_and_naive_times_without_zone():
    body = json.dumps({"events": [{"title": "Swap shop", "start": "2025-03-01T11:00:00", "allDay": False}]}).encode()
    [listing] = FullCalendar().parse(body, "", window("2025-01-01", "2025-06-01"))
    assert listing.start == datetime(2025, 3, 1, 11, 0, tzinfo=UTC) and listing.timezone is None
    assert listing.end is None and listing.source_key.startswith("Swap shop|")


def test_sniff_and_parse_errors():
    assert FullCalendar.sniff((FIXTURES / "event_organiser.json").read_bytes(), "")
    assert FullCalendar.sniff((FIXTURES / "eventon_month.json").read_bytes(), "")
    assert not FullCalendar.sniff(b'[{"title": "x", "start_datetime": 1}]', "")  # Gancio, not ours
    with pytest.raises(ParseError, match="not JSON"):
        FullCalendar().parse(b"BEGIN:VCALENDAR")
    with pytest.raises(ParseError, match="no item has a start"):
        FullCalendar().parse(b'[{"name": "a dataset row"}]')
    with pytest.raises(ParseError, match="JSON array"):
        FullCalendar().parse(b'{"openapi": "3.1.0"}')
