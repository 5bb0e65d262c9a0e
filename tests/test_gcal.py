"""Google Calendar API v3 events.list JSON: the corpus file plus our own recurring/instance fixtures."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from scrapers.base import Context, ParseError
from scrapers.gcal import GoogleCalendar

FIXTURES = Path(__file__).parent / "fixtures" / "gcal"
API_URL = "https://www.googleapis.com/calendar/v3/calendars/club%40example.org/events?key=KEY"


def window(first: str, last: str, **extra) -> Context:
    return Context(
        window_start=datetime.fromisoformat(first).replace(tzinfo=UTC),
        window_end=datetime.fromisoformat(last).replace(tzinfo=UTC),
        **extra,
    )


def parse_fixture(name: str, context: Context | None = None):
    context = context or window("2025-01-01", "2025-06-01")
    return GoogleCalendar().parse((FIXTURES / name).read_bytes(), API_URL, context), context


def test_corpus_chi_ssa_32_events_list(corpus):
    body = (corpus / "gcal-json" / "cityscrapers_chi_ssa_32_google_calendar_api_v3.json").read_bytes()
    context = window("2019-01-01", "2020-01-01")
    listings = GoogleCalendar().parse(body, "", context)
    assert context.problems == [] and len(listings) == 3
    ssa, caps_oct, caps_nov = listings
    assert ssa.title == "SSA #69 Commissioners Meeting"  # trailing space trimmed
    assert ssa.start.isoformat() == "2019-11-12T09:30:00-05:00" and ssa.end.isoformat() == "2019-11-12T11:00:00-05:00"
    assert ssa.timezone is None  # -05:00 is not Chicago's offset in November: only an offset is known
    venue = ssa.venue
    assert (venue.street, venue.locality, venue.region, venue.postcode, venue.country) == (
        "7901 S Racine Ave", "Chicago", "IL", "60620", "US",
    )  # fmt: skip
    assert caps_oct.start.isoformat() == "2019-10-08T18:00:00-05:00" and caps_oct.timezone == "America/Chicago"
    assert caps_oct.venue.name == "006th district police station"
    assert ssa.source_key == "1d1056p8ffecf0f7bjdtn2kgp1@google.com"
    assert ssa.url.startswith("https://www.google.com/calendar/event?eid=")
    assert "Corresponding Dates" in ssa.description and ssa.status == "scheduled"
    assert all(len(listing.occurrences) == 1 and listing.problems() == [] for listing in listings)
    assert caps_nov.occurrences[0].start.isoformat() == "2019-11-12T19:00:00-05:00"


def test_recurring_master_with_exdate_moved_and_cancelled_instances():
    listings, context = parse_fixture("walking_club.json")
    walk = listings[0]
    assert context.problems == []
    assert walk.recurrence == "FREQ=WEEKLY;BYDAY=SU;COUNT=6" and walk.timezone == "Europe/London"
    shown = [(o.start.isoformat(), o.status) for o in walk.occurrences]
    assert shown == [
        ("2025-03-02T10:00:00+00:00", "scheduled"),
        ("2025-03-09T10:00:00+00:00", "scheduled"),
        ("2025-03-23T11:30:00+00:00", "scheduled"),  # moved instance; 03-16 is an EXDATE
        ("2025-03-30T10:00:00+01:00", "cancelled"),  # wall clock kept across the DST change
        ("2025-04-06T10:00:00+01:00", "scheduled"),
    ]
    assert walk.occurrences[3].end - walk.occurrences[3].start == timedelta(hours=2)


def test_fields_of_a_google_event():
    walk = parse_fixture("walking_club.json")[0][0]
    assert walk.description == "All welcome, dogs too.\nMeet at the bridge." and "<b>" in walk.description_html
    assert walk.organizer.name == "Riverside Walking Club"
    assert (walk.venue.name, walk.venue.street, walk.venue.postcode) == ("Folly Bridge", "Abingdon Rd", "OX1 4LB")
    assert walk.source_key == "walk123@google.com"


def test_conference_all_day_and_cancelled_items():
    _, call, fair, agm = parse_fixture("walking_club.json")[0]
    assert call.online and call.online_url == "https://meet.google.com/abc-defg-hij" and call.kind == "event"
    assert (fair.start, fair.end, fair.all_day) == (date(2025, 4, 12), date(2025, 4, 13), True)
    assert fair.status == "cancelled"  # said so in the title
    assert agm.status == "cancelled" and agm.occurrences[0].status == "cancelled"


def test_single_events_feed_is_grouped_into_one_series():
    [hack], _ = parse_fixture("single_events.json")
    assert hack.source_key == "hack" and hack.timezone == "America/New_York"
    assert [(o.start.day, o.status) for o in hack.occurrences] == [
        (7, "scheduled"),
        (14, "scheduled"),
        (21, "cancelled"),
    ]


def test_window_limits_occurrences():
    walk = parse_fixture("walking_club.json", window("2025-03-20", "2025-04-01"))[0][0]
    assert [o.start.day for o in walk.occurrences] == [23, 30]


def test_next_url_carries_the_page_token():
    body = (FIXTURES / "walking_club.json").read_bytes()
    next_url = GoogleCalendar().next_url(body, API_URL + "&pageToken=old")
    assert next_url.endswith("pageToken=page-2-token") and "old" not in next_url
    assert GoogleCalendar().next_url(json.dumps({"kind": "calendar#events", "items": []}).encode(), API_URL) is None


def test_sniff_and_parse_errors():
    assert GoogleCalendar.sniff((FIXTURES / "walking_club.json").read_bytes(), "")
    assert not GoogleCalendar.sniff(b"BEGIN:VCALENDAR", "")
    with pytest.raises(ParseError, match="not JSON"):
        GoogleCalendar().parse(b"<html>error</html>")
    with pytest.raises(ParseError, match="no items"):
        GoogleCalendar().parse(b'{"error": {"code": 403, "message": "API key not valid"}}')


def test_bad_items_are_reported_not_raised():
    body = json.dumps(
        {
            "kind": "calendar#events",
            "items": [
                "not an object",
                {"id": "x", "summary": "Broken time", "start": {"dateTime": "tomorrow-ish"}},
                {"id": "ok", "summary": "Fine", "start": {"date": "2025-02-01"}},
            ],
        }
    ).encode()
    context = window("2025-01-01", "2025-03-01")
    listings = GoogleCalendar().parse(body, "", context)
    assert [listing.title for listing in listings] == ["Fine"]
    assert len(context.problems) == 2 and any("tomorrow-ish" in p for p in context.problems)
