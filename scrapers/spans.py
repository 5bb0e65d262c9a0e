"""One rule for an event's (start, end) whatever the format (issue 19: real files reverse them or mix kinds).

- An end before its start is taken as the two written the wrong way round and swapped, as
  recurring-ical-events does (a typo in one field is likelier than an event that ends before it starts).
- The start decides whether an event is all-day or timed:
  a DATE start with a date-time end is all-day, ending (exclusively) after the day the end falls on;
  a date-time start with a DATE end is timed, ending at 00:00 of that date in the start's zone (RFC 5545's
  reading of a DATE end: the day before is the last one), or open when that is not after the start.
- An all-day event lasts at least one day (an end on or before its start day becomes start + 1 day).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta


def settle_span(start, end):
    """(start, end) by the rules above; `start` None or an unreadable end (None) pass through."""
    if start is None or end is None:
        return start, _all_day_end(start, None) if _is_date(start) else end
    if _is_date(start):
        if isinstance(end, datetime):
            end = end.date() + timedelta(days=1) if end.time() != time(0) else end.date()
        if end < start:
            start, end = end, start
        return start, _all_day_end(start, end)
    if _is_date(end):
        end = datetime.combine(end, time(0), tzinfo=start.tzinfo)
        return start, end if end > start else None
    if end < start:
        start, end = end, start
    return start, end


def _all_day_end(start, end):
    if start is None:
        return end
    return end if _is_date(end) and end > start else start + timedelta(days=1)


def _is_date(value) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)
