"""A stored recurring listing as one iCalendar series that yields exactly its stored occurrences (issue 19).

The stored occurrences are the truth (what the API and the page show); the series is the listing's RRULE
plus what makes its expansion agree with them over the stored span:
- a rule instance with no stored occurrence: EXDATE (a skipped week);
- a stored occurrence off the rule paired with a missing instance nearby: a RECURRENCE-ID override (a moved
  meeting), with its own start, end and status;
- a stored occurrence off the rule with no instance to pair: RDATE (an extra date), plus an override when
  its length or status differs from the series';
- a rule instance stored cancelled or with another length: a RECURRENCE-ID override (STATUS:CANCELLED for a
  cancelled one, so calendars show it struck through, as the page does);
- UNTIL written in UTC (RFC 5545: with a zoned DTSTART it must be), whatever the source wrote (a date UNTIL
  as 00:00 of that day, as recurring-ical-events reads it).
Checked with recurring-ical-events against the API in tests/test_fidelity_export.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import recurring_ical_events
from icalendar import Calendar, Event, vRecur

# A stored occurrence off the rule is the moved copy of a missing instance when it is at most this share of
# the rule's spacing away from it (half: nearer to that instance than to its neighbours).
MOVE_SHARE = 0.5


def series_events(listing, tz, make_event) -> list[Event] | None:
    """The master VEVENT and its overrides; None when the rule cannot be read. `make_event(uid_suffix)`
    gives a VEVENT with the listing's shared properties (uid, summary, url, location...)."""
    try:
        rule = vRecur.from_ical(listing.recurrence)
    except ValueError:
        return None
    start = listing.start.astimezone(tz)
    duration = (listing.end - listing.start) if listing.end is not None else None
    _until_in_utc(rule, tz)
    master = make_event()
    master.add("dtstart", start)
    if duration is not None:
        master.add("dtend", start + duration)
    master.add("rrule", rule)
    stored = sorted(listing.occurrences, key=lambda o: o.start)
    if not stored:
        return [master]
    expected = _instances(master, stored[0].start, stored[-1].start)
    by_start = {_utc(o.start): o for o in stored}
    missing = [s for s in expected if s not in by_start]
    extras = [o for o in stored if _utc(o.start) not in set(expected)]
    spacing = min((b - a for a, b in zip(expected, expected[1:], strict=False)), default=timedelta(days=7))
    overrides: list[tuple[datetime, object]] = []
    for occurrence in extras:
        nearest = min(missing, default=None, key=lambda s: abs(s - _utc(occurrence.start)))
        if nearest is not None and abs(nearest - _utc(occurrence.start)) <= spacing * MOVE_SHARE:
            missing.remove(nearest)
            overrides.append((nearest, occurrence))
            continue
        master.add("rdate", _utc(occurrence.start).astimezone(tz))
        if not _like_series(occurrence, duration):
            overrides.append((_utc(occurrence.start), occurrence))
    for moment in missing:
        master.add("exdate", moment.astimezone(tz))
    for moment in expected:
        occurrence = by_start.get(moment)
        if occurrence is not None and not _like_series(occurrence, duration):
            overrides.append((moment, occurrence))
    events = [master]
    for recurrence_id, occurrence in sorted(overrides, key=lambda pair: pair[0]):
        event = make_event()
        event.add("recurrence-id", recurrence_id.astimezone(tz))
        event.add("dtstart", _utc(occurrence.start).astimezone(tz))
        if occurrence.end is not None:
            event.add("dtend", _utc(occurrence.end).astimezone(tz))
        if occurrence.status == "cancelled" and "status" not in event:
            event.add("status", "CANCELLED")
        events.append(event)
    return events


def _instances(master: Event, first: datetime, last: datetime) -> list[datetime]:
    """The rule's instance starts (UTC) from `first` to `last`, as recurring-ical-events expands them."""
    calendar = Calendar()
    calendar.add_component(master)
    found = recurring_ical_events.of(calendar).between(_utc(first), _utc(last) + timedelta(seconds=1))
    return sorted(_utc(event.decoded("dtstart")) for event in found)


def _like_series(occurrence, duration: timedelta | None) -> bool:
    """Whether an occurrence is a plain instance of the series: scheduled and of the series' length."""
    if occurrence.status == "cancelled":
        return False
    if occurrence.end is None or duration is None:
        return occurrence.end is None and duration is None
    return _utc(occurrence.end) - _utc(occurrence.start) == duration


def _until_in_utc(rule: vRecur, tz) -> None:
    """UNTIL as a UTC date-time: a floating time read in the series' zone; a date as 00:00 of that day there,
    which is how recurring-ical-events (and so the importer) read it against a date-time start."""
    values = rule.get("UNTIL")
    if not values:
        return
    until = values[0]
    if isinstance(until, datetime):
        moment = until.replace(tzinfo=tz) if until.tzinfo is None else until
    elif isinstance(until, date):
        moment = datetime.combine(until, time(0), tzinfo=tz)
    else:
        return
    rule["UNTIL"] = [moment.astimezone(UTC)]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
