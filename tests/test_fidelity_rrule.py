"""Recurrence rules as real feeds write them (issue 19): spaces inside values (Exchange), a misspelled
bound, the occurrence cap said aloud."""

from __future__ import annotations

from datetime import UTC, datetime

from scrapers.base import Context
from scrapers.ics.adapter import MAX_OCCURRENCES, ICalendar
from scrapers.ics.clean import clean_rule_line, repair

WINDOW = dict(window_start=datetime(2019, 7, 1, tzinfo=UTC), window_end=datetime(2020, 7, 1, tzinfo=UTC))


def _calendar(rule: str, extra: str = "") -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:s@test\r\nSUMMARY:Series\r\n"
        "DTSTART;TZID=Europe/London:20190801T140000\r\nDTEND;TZID=Europe/London:20190801T150000\r\n"
        f"DTSTAMP:20190801T083416Z\r\n{extra}RRULE:{rule}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def _parse(body: bytes) -> tuple[list, list[str]]:
    context = Context(**WINDOW)
    [listing] = ICalendar().parse(body, "", context)
    return listing, context.problems


def test_spaces_inside_byday_keep_the_weekdays():
    listing, problems = _parse(_calendar("FREQ=WEEKLY;BYDAY=MO, TU, WE, TH, FR;COUNT=10"))
    assert "BYDAY=MO,TU,WE,TH,FR" in listing.recurrence and "COUNT=10" in listing.recurrence
    assert {o.start.weekday() for o in listing.occurrences} == {0, 1, 2, 3, 4}
    assert len(listing.occurrences) == 10 and problems == []


def test_misspelled_until_still_ends_the_series_and_is_reported(corpus):
    listing, problems = _parse((corpus / "ics" / "rie_bad_rrule_missing_until.ics").read_bytes())
    assert listing.occurrences[-1].start.date().isoformat() == "2019-10-17"  # the last Thursday before 23 Oct
    assert len(listing.occurrences) == 12
    assert any("UNTL=20191023" in p and "UNTIL" in p for p in problems)


def test_unreadable_bound_keeps_the_series_to_the_files_newest_date():
    body = _calendar("FREQ=WEEKLY;UNTL=someday;BYDAY=TH", "EXDATE;TZID=Europe/London:20190905T140000\r\n")
    listing, problems = _parse(body)
    assert listing.occurrences and listing.occurrences[-1].start.date().isoformat() <= "2019-09-05"
    assert any("series kept until 20190905" in p for p in problems)


def test_bad_until_value_shape_is_read():
    assert clean_rule_line("RRULE:FREQ=DAILY;UNTIL=2019-10-23") == "RRULE:FREQ=DAILY;UNTIL=20191023"


def test_the_occurrence_cap_is_reported():
    context = Context(window_start=datetime(2019, 8, 1, tzinfo=UTC), window_end=datetime(2023, 1, 1, tzinfo=UTC))
    [listing] = ICalendar().parse(_calendar("FREQ=DAILY"), "", context)
    assert len(listing.occurrences) == MAX_OCCURRENCES
    assert any(f"cut at {MAX_OCCURRENCES:,} occurrences" in p for p in context.problems)


def test_repair_reports_into_the_list_it_is_given():
    problems: list[str] = []
    text = repair("BEGIN:VEVENT\nDTSTART:20200101T100000Z\nRRULE:FREQ=DAILY;COUTN=5\nEND:VEVENT\n", problems)
    assert "RRULE:FREQ=DAILY;COUNT=5" in text and problems
