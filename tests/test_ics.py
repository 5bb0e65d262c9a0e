"""The iCalendar adapter: every corpus file by name, plus our own fixtures for each feature."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scrapers.base import Context, ParseError
from scrapers.ics.adapter import ICalendar

FIXTURES = Path(__file__).parent / "fixtures" / "ics"
FEED_URL = "https://riverside.example/calendar.ics"


def window(first: str, last: str, **extra) -> Context:
    return Context(
        window_start=datetime.fromisoformat(first).replace(tzinfo=UTC),
        window_end=datetime.fromisoformat(last).replace(tzinfo=UTC),
        **extra,
    )


def parse(body: bytes, context: Context | None = None, url: str = FEED_URL):
    context = context or window("2025-01-01", "2025-07-01")
    return ICalendar().parse(body, url, context), context


def fixture(name: str, context: Context | None = None):
    return parse((FIXTURES / name).read_bytes(), context)


def by_title(listings) -> dict:
    return {listing.title: listing for listing in listings}


# ---------------------------------------------------------------- corpus files, by name


def corpus_parse(corpus, name: str, first: str, last: str, url: str = "", **extra):
    context = window(first, last, **extra)
    return ICalendar().parse((corpus / "ics" / name).read_bytes(), url, context), context


def test_every_corpus_ics_file_parses_without_exception(corpus):
    files = sorted((corpus / "ics").glob("*.ics"))
    assert len(files) == 20
    for path in files:
        context = window("2000-01-01", "2030-01-01")
        listings = ICalendar().parse(path.read_bytes(), "", context)
        assert all(listing.problems() == [] for listing in listings), (path.name, [x.problems() for x in listings])


def test_clihtf_events_calendar_pro_mangled_uids_and_broken_vtimezone(corpus):
    listings, context = corpus_parse(corpus, "cityscrapers_clihtf_events_calendar_pro.ics", "2024-05-01", "2024-12-31")
    assert len(listings) == 30 and context.problems == []
    keys = [listing.source_key for listing in listings]
    assert len(set(keys)) == 30 and all(key.startswith("h:") and "<" not in key for key in keys)
    again, _ = corpus_parse(corpus, "cityscrapers_clihtf_events_calendar_pro.ics", "2024-05-01", "2024-12-31")
    assert [listing.source_key for listing in again] == keys  # stable across runs
    admin = listings[0]
    assert admin.title == "Administrative Day" and admin.all_day
    assert (admin.start, admin.end) == (date(2024, 5, 8), date(2024, 5, 9))
    assert admin.categories == ["Administrative Day"] and admin.description == "Office Closed"
    outreach = listings[1]
    assert outreach.title == "Outreach Meeting"
    assert outreach.start == datetime(2024, 5, 9, 8, 30, tzinfo=ZoneInfo("America/Chicago"))
    assert outreach.start.utcoffset() == timedelta(hours=-5) and outreach.timezone == "America/Chicago"
    assert outreach.url == "https://clihtf.org/event/outreach-meeting-4/"


def test_bad_tzid_utc_plus_11_keeps_offset_without_zone_name(corpus):
    [listing], _ = corpus_parse(corpus, "icalendar_bad_tzid_utc_plus_11.ics", "2017-01-01", "2017-06-01")
    assert listing.title == "TESTIN" and listing.status == "scheduled"  # STATUS:Confirmed (mixed case)
    assert listing.start.isoformat() == "2017-02-28T23:00:00+11:00"
    assert listing.end.isoformat() == "2017-02-28T23:30:00+11:00"
    assert listing.timezone is None
    assert listing.source_key == "1961094_636238800000000000"


def test_bare_vevent_with_umlauts_and_quoted_organizer(corpus):
    [listing], _ = corpus_parse(corpus, "icalendar_bare_vevent_umlaut_organizer.ics", "2013-01-01", "2013-12-31")
    assert listing.title == "wichtiger termin 1"
    assert listing.organizer.name == "acme, ädmin" and listing.organizer.url == ""
    assert listing.venue.name == "im büro"
    assert listing.start == datetime(2013, 4, 16, 10, 0, tzinfo=UTC) and listing.timezone is None
    assert len(listing.occurrences) == 1


def test_bom_calendar_is_an_empty_calendar(corpus):
    listings, context = corpus_parse(corpus, "icalendar_bom_calendar.ics", "2000-01-01", "2030-01-01")
    assert listings == [] and context.problems == []


def test_categories_with_escaped_commas(corpus):
    [listing], _ = corpus_parse(corpus, "icalendar_categories_with_escaped_commas.ics", "2014-01-01", "2014-12-31")
    assert listing.categories == ["Meeting, John", "Work, Sarah", "Project"]


def test_missing_vtimezone_uses_the_tz_database_and_skips_empty_events(corpus):
    listings, context = corpus_parse(corpus, "icalendar_missing_vtimezone.ics", "2014-01-01", "2025-01-01")
    [listing] = listings
    assert listing.start == datetime(2014, 8, 29, 8, 0, tzinfo=ZoneInfo("America/New_York"))
    assert listing.timezone == "America/New_York"
    assert len(context.problems) == 2  # one VEVENT holds only RECURRENCE-ID, one only RDATEs
    berlin = [o for o in listing.occurrences if o.start.year == 2024]
    assert [o.start.isoformat() for o in berlin] == ["2024-09-13T12:00:00+02:00"]  # RDATE;VALUE=PERIOD
    assert berlin[0].end - berlin[0].start == timedelta(hours=2)


def test_podio_html_description_and_online_location(corpus):
    [listing], _ = corpus_parse(corpus, "icalendar_podio_altrep_html_desc.ics", "2022-01-01", "2022-12-31")
    assert listing.title == 'Termin 4353 und"so"'
    assert "Toller Termin für" in listing.description and "<strong>" in listing.description_html
    assert "<u" not in listing.description_html  # sanitised to the allow-list
    assert listing.online and listing.venue.is_empty()
    assert listing.start.isoformat() == "2022-02-22T19:30:00+01:00" and listing.timezone == "Europe/Berlin"
    assert listing.url == "https://podio.com/xxxxxxyyyyyy/zpodio-testgelande/apps/calendar/items/5"


def test_rfc7986_image_file_has_no_usable_events(corpus):
    listings, context = corpus_parse(corpus, "icalendar_rfc7986_image.ics", "2000-01-01", "2030-01-01")
    assert listings == []  # its two VEVENTs have neither SUMMARY nor DTSTART
    assert len(context.problems) == 2 and all("neither SUMMARY nor DTSTART" in p for p in context.problems)


def test_whitespace_in_property_name_does_not_lose_the_event(corpus):
    [listing], _ = corpus_parse(corpus, "icalendar_whitespace_in_property_name.ics", "2026-01-01", "2026-12-31")
    assert listing.title == "Waste Pickup"
    assert listing.start == datetime(2026, 3, 19, 9, 0, tzinfo=UTC)


def test_meetup_export_folded_escapes_geo_and_address(corpus):
    [listing], _ = corpus_parse(corpus, "meetup_code_for_boston_event.ics", "2018-07-01", "2018-08-01")
    assert listing.title == "Weekly Hack Night" and listing.source_key == "event_xwqmnpyxkbgc@meetup.com"
    assert (listing.lat, listing.lon) == (42.36, -71.09)
    assert "Kendall Square, on the FOURTH FLOOR, in the CAFE" in listing.description
    assert "time...\n\nhttps://www.meetup.com/" in listing.description  # the fold split a '\n' escape
    assert listing.venue.name == "Cambridge Innovation Center, 4th Floor Cafe"
    assert (listing.venue.street, listing.venue.locality, listing.venue.region) == ("1 Broadway", "Cambridge", "MA")
    assert listing.start.isoformat() == "2018-07-24T19:00:00-04:00" and listing.timezone == "America/New_York"
    assert listing.url == "https://www.meetup.com/Code-for-Boston/events/249894034/"


def test_bad_rrule_part_is_dropped_and_series_still_expands(corpus):
    [listing], _ = corpus_parse(corpus, "rie_bad_rrule_missing_until.ics", "2019-08-01", "2019-09-01")
    assert listing.recurrence == "FREQ=WEEKLY;UNTIL=20191023;BYDAY=TH;WKST=SU"  # the misspelled UNTL read (issue 19)
    starts = [o.start for o in listing.occurrences]
    assert [s.day for s in starts] == [1, 8, 15, 22, 29]
    assert all(s.weekday() == 3 and s.hour == 14 for s in starts)


def test_germany_holidays_all_day_with_zero_length_dtend(corpus):
    listings, _ = corpus_parse(corpus, "rie_calendarlabs_germany_holidays.ics", "2019-01-01", "2021-01-01")
    assert len(listings) == 34
    assert all(listing.all_day and listing.end == listing.start + timedelta(days=1) for listing in listings)
    assert listings[0].title == "New Year's Day" and listings[0].start == date(2019, 1, 1)
    assert listings[0].venue.country == "DE" and listings[0].recurrence is None  # 'RRULE:' was empty


def test_confluence_custom_timezone_all_day_event(corpus):
    [listing], _ = corpus_parse(corpus, "rie_confluence_custom_tzid.ics", "2021-12-01", "2022-01-01")
    assert listing.title == "test" and listing.description == "test event"
    assert (listing.start, listing.end) == (date(2021, 12, 15), date(2021, 12, 16))
    assert listing.categories == ["other"] and listing.timezone == "America/Los_Angeles"


def test_davx5_exdates_remove_instances(corpus):
    [listing], _ = corpus_parse(corpus, "rie_davx5_exdate.ics", "2019-10-01", "2020-03-01")
    berlin = ZoneInfo("Europe/Berlin")
    assert [o.start.date().isoformat() for o in listing.occurrences] == [
        "2019-10-29", "2019-11-12", "2019-12-10", "2020-01-07", "2020-01-14", "2020-01-21", "2020-01-28",
    ]  # fmt: skip
    assert all(o.end - o.start == timedelta(minutes=90) for o in listing.occurrences)  # DURATION:PT1H30M
    assert listing.start == datetime(2019, 10, 29, 16, 15, tzinfo=berlin)  # DTSTART itself is excluded
    assert len(listing.exdates) == 9 and listing.venue.name == "Example"


def test_discourse_events_without_dtend_and_relative_urls(corpus):
    listings, _ = corpus_parse(
        corpus, "rie_discourse_wilap_events_no_dtend.ics", "2019-01-01", "2019-12-31", url="https://forum.example/c.ics"
    )
    assert len(listings) == 4
    first = listings[0]
    assert first.title == "2019-01-17 openLab" and first.end is None and first.occurrences[0].end is None
    assert first.url == "https://forum.example/c/machbar/calendar"
    assert first.description.endswith("Es gab die Ve…")
    assert listings[1].end - listings[1].start == timedelta(hours=3, minutes=30)


def test_exchange_windows_zone_overrides_on_all_day_series(corpus):
    listings, _ = corpus_parse(corpus, "rie_exchange_rrule_until_utc.ics", "2020-04-01", "2020-06-01")
    black, blue = by_title(listings)["Refuse black bin"], by_title(listings)["Blue Recycle bin"]
    assert len(listings) == 2 and black.all_day
    assert [o.start.isoformat() for o in black.occurrences] == [
        "2020-04-02", "2020-04-17", "2020-04-30", "2020-05-14", "2020-05-29",
    ]  # fmt: skip
    assert [o.start.isoformat() for o in blue.occurrences] == ["2020-04-09", "2020-04-23", "2020-05-07", "2020-05-21"]
    assert black.recurrence.startswith("FREQ=WEEKLY;UNTIL=20200916T230000Z;INTERVAL=2")


def test_google_moved_instance(corpus):
    [listing], _ = corpus_parse(corpus, "rie_google_partyborn_moved_event.ics", "2021-11-01", "2022-02-01")
    assert listing.title == "Karaoke" and listing.recurrence == "FREQ=MONTHLY;BYDAY=-1FR"
    assert [o.start.date().isoformat() for o in listing.occurrences] == ["2021-11-26", "2021-12-17", "2022-01-28"]
    assert "instagram.com" in listing.description and "<a" not in listing.description


def test_google_x_wr_timezone_moves_utc_times(corpus):
    listings, _ = corpus_parse(corpus, "rie_google_x_wr_timezone.ics", "2021-12-01", "2022-01-01")
    assert [listing.start.isoformat() for listing in listings] == [
        "2021-12-22T12:00:00-05:00",
        "2021-12-22T21:00:00-05:00",
    ]
    assert {listing.timezone for listing in listings} == {"America/New_York"}


def test_hacker_public_radio_rdate_list(corpus):
    [listing], _ = corpus_parse(corpus, "rie_hackerpublicradio_rdate.ics", "2013-08-01", "2014-08-01")
    assert len(listing.occurrences) == 12 and len(listing.rdates) == 12
    assert listing.occurrences[0].start.isoformat() == "2013-08-03T20:00:00+01:00"
    assert listing.occurrences[3].start.isoformat() == "2013-11-02T19:00:00+00:00"
    assert listing.venue.name == "mumble.openspeak.cc port: 64747"


def test_range_thisandfuture_shifts_later_instances(corpus):
    [listing], _ = corpus_parse(corpus, "rie_range_thisandfuture.ics", "2024-09-10", "2024-09-27")
    spans = [(o.start.strftime("%m-%d %H:%M"), o.end.strftime("%H:%M")) for o in listing.occurrences]
    assert spans[:2] == [("09-11 12:00", "14:00"), ("09-13 09:00", "16:00")]
    assert ("09-15 17:00", "19:00") in spans  # single override
    assert ("09-17 09:00", "16:00") in spans  # shifted by the first THISANDFUTURE
    assert spans[-3:] == [("09-22 14:22", "16:13"), ("09-24 14:22", "16:13"), ("09-26 14:22", "16:13")]


# ---------------------------------------------------------------- our own fixtures


def test_series_with_exdate_rdate_moved_and_cancelled_instances():
    [listing], context = fixture("repair_cafe_series.ics")
    assert context.problems == []
    assert listing.recurrence == "FREQ=WEEKLY;COUNT=8;BYDAY=TU"
    shown = [(o.start.strftime("%m-%d %H:%M"), o.status) for o in listing.occurrences]
    assert shown == [
        ("03-04 18:30", "scheduled"),
        ("03-12 19:00", "scheduled"),  # RECURRENCE-ID moved it to Wednesday
        ("03-25 18:30", "scheduled"),  # 03-18 is an EXDATE
        ("03-29 10:00", "scheduled"),  # RDATE
        ("04-01 18:30", "cancelled"),  # STATUS:CANCELLED on the instance
        ("04-08 18:30", "scheduled"),
        ("04-15 18:30", "scheduled"),
        ("04-22 18:30", "scheduled"),
    ]
    assert listing.status == "scheduled"
    assert listing.occurrences[4].start.utcoffset() == timedelta(hours=1)  # BST after the DST change


def test_fields_from_one_rich_event():
    [listing], _ = fixture("repair_cafe_series.ics")
    assert listing.title == "Repair Café: bring your broken toasters"
    assert listing.description == "Fix things together.\nWheelchair accessible, families welcome."
    assert listing.description_html.startswith("<p>Fix things <strong>together</strong>")
    assert listing.url == "https://riverside.example/events/repair-cafe"  # relative URL resolved
    assert listing.image_url == "https://riverside.example/img/repair.png"  # IMAGE;VALUE=URI
    assert (listing.lat, listing.lon) == (51.752, -1.2577)
    assert listing.categories == ["Repair, Reuse", "Community", "Environment"]
    assert listing.organizer.name == "Riverside Friends, Oxford"
    venue = listing.venue
    assert (venue.name, venue.street, venue.locality, venue.postcode, venue.country) == (
        "Riverside Community Hall", "12 Mill Lane", "Oxford", "OX1 4AA", "GB",
    )  # fmt: skip
    assert listing.timezone == "Europe/London" and listing.kind == "event"
    assert listing.accessibility == ["wheelchair"] and "families" in listing.audience
    assert listing.problems() == []


def test_this_and_future_override():
    [listing], _ = fixture("this_and_future.ics", window("2025-01-01", "2025-03-01"))
    spans = [(o.start.strftime("%m-%d %H:%M"), o.end.strftime("%H:%M")) for o in listing.occurrences]
    assert spans == [
        ("01-06 18:00", "19:00"),
        ("01-13 18:00", "19:00"),
        ("01-20 19:00", "20:30"),
        ("01-27 19:00", "20:30"),
        ("02-03 19:00", "20:30"),
        ("02-10 19:00", "20:30"),
    ]


def test_cancelled_master_and_status_words_in_summary():
    listings, _ = fixture("statuses.ics")
    walk, quiz, talk = listings
    assert walk.status == "cancelled" and [o.status for o in walk.occurrences] == ["cancelled"] * 3
    assert quiz.status == "postponed" and quiz.occurrences[0].status == "scheduled"
    assert talk.status == "cancelled" and talk.occurrences[0].status == "cancelled"


def test_timezones_x_wr_offset_windows_unknown_and_floating():
    listings, _ = fixture("timezones.ics")
    utc, offset, windows, unknown, floating = listings
    assert utc.start.isoformat() == "2025-01-15T18:00:00-05:00" and utc.timezone == "America/New_York"
    assert offset.start.isoformat() == "2025-01-15T09:00:00+11:00" and offset.timezone is None
    assert windows.start.isoformat() == "2025-01-15T18:00:00+01:00" and windows.timezone == "Europe/Berlin"
    assert unknown.start.isoformat() == "2025-01-15T12:00:00-05:00"  # unknown TZID: calendar default zone
    assert floating.end - floating.start == timedelta(minutes=90)


def test_floating_times_without_any_zone_are_utc_with_no_name():
    body = (
        b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:f\nDTSTART:20250115T140000\nSUMMARY:Floating\nEND:VEVENT\nEND:VCALENDAR\n"
    )
    [listing], _ = parse(body)
    assert listing.start == datetime(2025, 1, 15, 14, 0, tzinfo=UTC) and listing.timezone is None


def test_context_timezone_moves_utc_times_into_the_source_zone():
    body = b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:u\nDTSTART:20250115T140000Z\nSUMMARY:UTC\nEND:VEVENT\nEND:VCALENDAR\n"
    [listing], _ = parse(body, window("2025-01-01", "2025-02-01", timezone="Australia/Sydney"))
    assert listing.start.isoformat() == "2025-01-16T01:00:00+11:00" and listing.timezone == "Australia/Sydney"


def test_all_day_and_missing_ends():
    fair, festival, open_evening, workshop = fixture("all_day_and_ends.ics")[0]
    assert (fair.start, fair.end, fair.all_day) == (date(2025, 5, 10), date(2025, 5, 11), True)
    assert (festival.start, festival.end) == (date(2025, 6, 1), date(2025, 6, 3))  # end exclusive
    assert festival.occurrences[0].end == date(2025, 6, 3)
    assert open_evening.end is None and open_evening.occurrences[0].end is None
    assert workshop.end - workshop.start == timedelta(hours=2)


def test_bom_bare_vevent_crlf_and_folded_summary():
    [listing], _ = fixture("bare_vevent_bom.ics")
    assert listing.title == "Knitting circle for beginners and experts"
    venue = listing.venue
    assert (venue.name, venue.street, venue.locality, venue.region, venue.postcode) == (
        "Library", "3 Church St", "Springfield", "IL", "62701",
    )  # fmt: skip


def test_mangled_and_missing_uids_get_stable_distinct_keys():
    first, _ = fixture("mangled_uids.ics")
    second, _ = fixture("mangled_uids.ics")
    keys = [listing.source_key for listing in first]
    assert keys == [listing.source_key for listing in second]
    assert len(set(keys)) == 3 and all(key.startswith("h:") for key in keys)


def test_malformed_rules_never_crash():
    listings, context = fixture("bad_rules.ics", window("2025-02-01", "2025-04-01"))
    misspelled, no_freq, unknown_freq, empty = listings
    assert misspelled.recurrence == "FREQ=WEEKLY;COUNT=4;BYDAY=MO" and len(misspelled.occurrences) == 4
    for one_off in (no_freq, unknown_freq, empty):
        assert one_off.recurrence is None and len(one_off.occurrences) == 1
    assert context.problems == []


def test_conference_means_online_and_kind_stays_event():
    study, hybrid, virtual = fixture("online_only.ics")[0]
    assert study.online and study.online_url == "https://meet.jit.si/kindred-python" and study.kind == "event"
    assert study.venue.is_empty()
    assert hybrid.online and hybrid.online_url == "https://zoom.us/j/123456" and hybrid.venue.name == "Central Library"
    assert virtual.online and virtual.online_url == "" and virtual.venue.is_empty()


def test_the_sources_kind_is_left_to_the_importer():
    """iCalendar states no kind: the adapter's fallback stays unstated, and the importer applies the
    catalogue's kind (finder/ingest/defaults.py, tests/test_source_defaults.py)."""
    [listing], _ = fixture("bare_vevent_bom.ics", window("2025-01-01", "2025-03-01"))
    assert (listing.kind, listing.kind_stated) == ("event", False)


def test_occurrences_only_inside_the_window_but_past_events_are_kept():
    [listing], _ = fixture("repair_cafe_series.ics", window("2025-04-05", "2025-04-16"))
    assert [o.start.day for o in listing.occurrences] == [8, 15]
    [old], _ = fixture("bare_vevent_bom.ics", window("2026-01-01", "2026-02-01"))
    assert old.occurrences == [] and old.start.year == 2025


def test_not_icalendar_raises_parse_error():
    with pytest.raises(ParseError, match="not iCalendar"):
        parse(b"<html><body>404 Not Found</body></html>")
    assert ICalendar.sniff((FIXTURES / "bare_vevent_bom.ics").read_bytes(), "")
    assert not ICalendar.sniff(b'{"items": []}', "")


def test_truncated_feeds_never_raise_anything_but_parse_error():
    body = (FIXTURES / "repair_cafe_series.ics").read_bytes()
    for cut in range(0, len(body), 37):
        try:
            listings, _ = parse(body[:cut])
        except ParseError:
            continue
        assert isinstance(listings, list)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7901 S Racine Ave, Chicago, IL 60620, USA", ("", "7901 S Racine Ave", "Chicago", "IL", "60620", "US")),
        (
            "Musterhalle, Hauptstr. 5, 14467 Potsdam, Germany",
            ("Musterhalle", "Hauptstr. 5", "Potsdam", "", "14467", "DE"),
        ),
        ("Town Hall, Springfield, IL", ("Town Hall", "", "Springfield", "IL", "", "")),
        (
            "Cook County Building, 22nd Floor, Room 'C'",
            ("Cook County Building, 22nd Floor, Room 'C'", "", "", "", "", ""),
        ),
        ("online", ("", "", "", "", "", "")),
    ],
)
def test_location_text_to_venue(text, expected):
    from scrapers.address import venue_from_text

    venue = venue_from_text(text)
    assert (venue.name, venue.street, venue.locality, venue.region, venue.postcode, venue.country) == expected


def test_broken_values_lose_only_what_is_broken():
    listings, context = fixture("broken_values.ics", window("2025-01-01", "2025-02-01"))
    end_broken, period, recurring = listings
    assert [listing.title for listing in listings] == [
        "Broken end and position", "Start given as a period", "Recurring with a broken end",
    ]  # fmt: skip
    assert end_broken.end is None and end_broken.lat is None
    assert period.end - period.start == timedelta(hours=1)
    assert [o.start.day for o in recurring.occurrences] == [3, 4, 5]
    assert len(context.problems) == 1 and "unreadable DTSTART" in context.problems[0]


def test_unbalanced_begin_end_lines_are_repaired():
    stray = b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nDTSTART:20250101T100000Z\nSUMMARY:A\nEND:VEVENT\nEND:VTODO\n"
    missing = (
        b"BEGIN:VEVENT\nUID:b\nDTSTART:20250102T100000Z\nSUMMARY:B\n"
        b"BEGIN:VEVENT\nUID:c\nDTSTART:20250103T100000Z\nSUMMARY:C\n"
    )
    assert [listing.title for listing in parse(stray + missing)[0]] == ["A", "B", "C"]


def test_event_by_event_reading_keeps_the_events_that_parse():
    from scrapers.ics.adapter import _read_each_event
    from scrapers.ics.clean import repair

    context = Context()
    calendar = _read_each_event(repair((FIXTURES / "repair_cafe_series.ics").read_text()), context)
    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")][0] == "Repair Café: bring your broken toasters"
    assert len(calendar.walk("VEVENT")) == 3 and context.problems == []
