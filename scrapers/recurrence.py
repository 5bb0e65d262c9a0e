"""Expanding a recurrence rule into occurrences inside a window (for adapters other than iCalendar)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from dateutil.rrule import rrulestr

from scrapers.listing import Occurrence

MAX_OCCURRENCES = 1000


def expand_rule(
    start: datetime,
    end: datetime | None,
    rule: str,
    window_start: datetime,
    window_end: datetime,
    exdates: list[datetime] | None = None,
) -> list[Occurrence]:
    """Occurrences of `rule` (an RRULE value) from `start`, those overlapping the window.

    `start` must be aware; occurrences keep its zone, so wall-clock times survive DST changes.
    Raises ValueError for a rule dateutil cannot read.
    """
    duration = (end - start) if end else None
    naive_start = start.replace(tzinfo=None)
    tz = start.tzinfo
    rules = rrulestr(rule.removeprefix("RRULE:"), dtstart=naive_start, forceset=True, ignoretz=True)
    excluded = {e.astimezone(tz).replace(tzinfo=None) for e in exdates or []}
    found = []
    lower = window_start.astimezone(tz).replace(tzinfo=None) - (duration or timedelta(0))
    upper = window_end.astimezone(tz).replace(tzinfo=None)
    for moment in rules.between(lower, upper, inc=True):
        if moment in excluded:
            continue
        local = moment.replace(tzinfo=tz)
        found.append(Occurrence(start=local, end=local + duration if duration else None))
        if len(found) >= MAX_OCCURRENCES:
            break
    return found


def in_window(start: datetime | date, window_start: datetime, window_end: datetime, end=None) -> bool:
    """Whether a one-off starting at `start` (ending at `end`) overlaps the window."""
    if isinstance(start, datetime):
        last = end if isinstance(end, datetime) else start
        return last >= window_start and start <= window_end
    last = end if isinstance(end, date) and not isinstance(end, datetime) else start + timedelta(days=1)
    return last > window_start.date() and start <= window_end.date()
