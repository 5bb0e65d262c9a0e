"""Start after end, date against date-time (issue 19): one rule for every format (scrapers/spans.py)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from scrapers.base import Context
from scrapers.fullcalendar import FullCalendar
from scrapers.ics.adapter import ICalendar
from scrapers.schemaorg.adapter import SchemaOrgAdapter
from scrapers.spans import settle_span

BERLIN = ZoneInfo("Europe/Berlin")
WINDOW = dict(window_start=datetime(2030, 1, 1, tzinfo=UTC), window_end=datetime(2030, 3, 1, tzinfo=UTC))


def _ics(*events: str) -> list:
    body = (
        "BEGIN:VCALENDAR\r\n"
        + "".join(f"BEGIN:VEVENT\r\nUID:{i}@t\r\nSUMMARY:e{i}\r\n{e}END:VEVENT\r\n" for i, e in enumerate(events))
        + "END:VCALENDAR\r\n"
    )
    return ICalendar().parse(body.encode(), "", Context(**WINDOW))


def test_the_rule():
    a, b = datetime(2030, 1, 10, 18, tzinfo=BERLIN), datetime(2030, 1, 10, 20, tzinfo=BERLIN)
    assert settle_span(b, a) == (a, b)
    assert settle_span(date(2030, 1, 10), datetime(2030, 1, 11, 9, tzinfo=UTC)) == (
        date(2030, 1, 10),
        date(2030, 1, 12),
    )
    assert settle_span(date(2030, 1, 10), date(2030, 1, 8)) == (date(2030, 1, 8), date(2030, 1, 10))
    assert settle_span(date(2030, 1, 10), date(2030, 1, 10)) == (date(2030, 1, 10), date(2030, 1, 11))
    assert settle_span(a, date(2030, 1, 12)) == (a, datetime(2030, 1, 12, tzinfo=BERLIN))
    assert settle_span(a, date(2030, 1, 10)) == (a, None)


def test_ics_reversed_and_mixed_spans():
    reversed_, date_start, timed_start = _ics(
        "DTSTART;TZID=Europe/Berlin:20300110T200000\r\nDTEND;TZID=Europe/Berlin:20300110T180000\r\n",
        "DTSTART;VALUE=DATE:20300110\r\nDTEND:20300111T090000Z\r\n",
        "DTSTART;TZID=Europe/Berlin:20300110T180000\r\nDTEND;VALUE=DATE:20300112\r\n",
    )
    assert (reversed_.start.hour, reversed_.end.hour) == (18, 20)
    assert reversed_.occurrences[0].start.hour == 18
    assert date_start.all_day and (date_start.start, date_start.end) == (date(2030, 1, 10), date(2030, 1, 12))
    assert not timed_start.all_day and timed_start.end == datetime(2030, 1, 12, tzinfo=BERLIN)


def test_schemaorg_and_fullcalendar_swap_reversed_times():
    node = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": "Reversed",
        "startDate": "2030-01-10T20:00:00+01:00",
        "endDate": "2030-01-10T18:00:00+01:00",
    }
    page = f'<html><head><script type="application/ld+json">{json.dumps(node)}</script></head></html>'.encode()
    [item] = SchemaOrgAdapter().parse(page, "", Context(**WINDOW))
    assert (item.start.hour, item.end.hour) == (18, 20)
    feed = json.dumps([{"title": "Reversed", "start": "2030-01-10T20:00:00+01:00", "end": "2030-01-10T18:00:00+01:00"}])
    [event] = FullCalendar().parse(feed.encode(), "", Context(**WINDOW))
    assert (event.start.hour, event.end.hour) == (18, 20)
