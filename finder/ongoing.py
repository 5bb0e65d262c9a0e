"""Ongoing opportunities: a standing volunteer role, a club, a service or an online community that has
no dates, or that started and gives no end (pure, stdlib only).

The rule: a listing of any kind but `event`, without a repeat rule (RRULE), with no end and either no
start or a start *date* (no time of day), is open-ended. Once its start has passed (or when it has
none) it is *ongoing*: it is never "past", it is searchable, and it is shown as "Ongoing" (or by its
schedule in words).

Date filters and ongoing listings (the search index marks them, see `finder.index.rows.index_row`):
- `days` and `time`: an ongoing listing's days and hours are not known, so it counts as available on
  every day and at every time of day;
- `when` and `from`/`to`: it is available in any window that ends after its start (always, when it has
  no start).

A timed start with no end stays a one-off moment whatever the kind (iCalendar's own reading: a club's
meeting at 7 pm that gives no end time is over once it has started), and so does an `event`.
"""

from __future__ import annotations

from datetime import datetime

ONGOING_KINDS = ("club", "volunteer", "online", "service")


def open_ended(*, kind: str, recurrence: str | None, start, end, all_day: bool) -> bool:
    """Whether a listing is a standing opportunity (its start date, if any, is when it began)."""
    return kind in ONGOING_KINDS and not recurrence and end is None and (start is None or bool(all_day))


def is_ongoing(listing, now: datetime) -> bool:
    """Whether a stored listing is ongoing at `now`: open-ended, started (or without a start) and with no
    dated start still to come."""
    if not open_ended(
        kind=listing.kind, recurrence=listing.recurrence, start=listing.start, end=listing.end, all_day=listing.all_day
    ):
        return False
    return all(moment is None or moment <= now for moment in (listing.start, listing.next_start))


def in_progress(start: datetime, end: datetime | None, now: datetime) -> bool:
    """Whether a dated meeting is happening at `now` (started, not yet ended)."""
    return end is not None and start <= now < end


def is_over(listing, now: datetime) -> bool:
    """Whether a stored listing is in the past: dated, with nothing to come, not in progress and not ongoing
    (an undated listing, or one known only by its schedule in words, is never over)."""
    if listing.start is None or (listing.next_start is not None and listing.next_start >= now):
        return False
    return not is_ongoing(listing, now) and (listing.end or listing.start) < now
