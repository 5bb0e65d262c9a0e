"""iCalendar (RFC 5545 / 7986) feeds: one Listing per event series, occurrences expanded over the window.

Text repairs live in `scrapers.ics.clean`, field readers in `scrapers.ics.fields`, times in
`scrapers.ics.times`. Expansion is recurring-ical-events (RRULE, RDATE, EXDATE, RECURRENCE-ID incl.
RANGE=THISANDFUTURE) after x-wr-timezone has moved UTC times into the calendar's X-WR-TIMEZONE, walked
lazily with bounded work by `scrapers.ics.series`.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from datetime import date, datetime

import icalendar
import x_wr_timezone

from scrapers import register
from scrapers.base import Adapter, Context, ParseError
from scrapers.decoding import decode_body
from scrapers.hints import status_from_text
from scrapers.ics.clean import looks_like_ical, repair
from scrapers.ics.fields import fill_fields, group_id, series_key
from scrapers.ics.series import bound_rules, first_instance, instances, query
from scrapers.ics.times import Moments, drop_broken_ends
from scrapers.listing import Listing, Occurrence
from scrapers.recurrence import MAX_OCCURRENCES, capped, in_window
from scrapers.text import clean_text

log = logging.getLogger(__name__)
_ZONE_CACHE_LOCK = threading.Lock()


def _fresh_lock_in_child() -> None:
    """A parse worker forked while another thread held the lock must not inherit it held."""
    global _ZONE_CACHE_LOCK  # noqa: PLW0603
    _ZONE_CACHE_LOCK = threading.Lock()


os.register_at_fork(after_in_child=_fresh_lock_in_child)
_BARE_COMPONENT = re.compile(r"BEGIN:([A-Z][A-Z-]+)\s*$", re.IGNORECASE | re.MULTILINE)
_NO_LISTINGS_HERE = ("VEVENT", "VTIMEZONE", "STANDARD", "DAYLIGHT")  # zone parts astray make no refusal


@register("ics")
class ICalendar(Adapter):
    """A .ics feed (VCALENDAR, or bare VEVENTs)."""

    @classmethod
    def sniff(cls, body: bytes, url: str) -> bool:
        return decode_body(body[:8192]).lstrip().upper().startswith(("BEGIN:VCALENDAR", "BEGIN:VEVENT"))

    def parse(self, body: bytes, url: str = "", context: Context | None = None) -> list[Listing]:
        """Every event series in `body`. icalendar keeps the VTIMEZONEs it reads in one process-wide cache,
        first come first served, so a zone one feed defines ('W. Europe Standard Time') would decide the
        times of every later feed that names it; each parse starts with an empty cache, one at a time."""
        with _ZONE_CACHE_LOCK:
            icalendar.timezone.tzp.use_zoneinfo()  # a fresh provider and an empty VTIMEZONE cache
            return self._parse(body, url, context)

    def _parse(self, body: bytes, url: str, context: Context | None) -> list[Listing]:
        context = context or Context(url=url)
        url = url or context.url
        text = decode_body(body)
        if not looks_like_ical(text):
            bare = _BARE_COMPONENT.match(text.lstrip())
            if bare:  # a VTODO, VALARM, VTIMEZONE... exported alone
                raise ParseError(f"not a listing source: a bare iCalendar {bare.group(1).upper()}, no VEVENT")
            raise ParseError("not iCalendar: no BEGIN:VCALENDAR or BEGIN:VEVENT")
        calendar = _read(text, context)
        others = sorted({c.name for c in calendar.subcomponents if c.name not in _NO_LISTINGS_HERE})
        if others and not calendar.walk("VEVENT"):  # tasks, journals, free/busy: read, but no listing source
            context.refuse(f"iCalendar {', '.join(others[:4])}, no VEVENT")
            return []
        calendar = _standardise(calendar, context)
        moments = Moments.for_calendar(calendar, context)
        groups: dict[str, list] = {}
        for index, event in enumerate(calendar.walk("VEVENT")):
            if event.get("DTSTART") is None and not event.get("SUMMARY"):
                context.problems.append(f"event {index}: neither SUMMARY nor DTSTART, skipped")
                continue
            drop_broken_ends(event)
            context.problems += [f"event {index}: {why}" for why in bound_rules(event)]
            groups.setdefault(group_id(event), []).append(event)
        return context.each(groups.values(), lambda events: _listing(events, url, context, moments), label="event")


def _read(text: str, context: Context) -> icalendar.Calendar:
    repaired = repair(text, context.problems)
    try:
        calendars = icalendar.Calendar.from_ical(repaired, multiple=True)
    except (ValueError, KeyError, IndexError, AttributeError, TypeError) as error:
        context.problems.append(f"calendar read event by event: {type(error).__name__}: {error}")
        return _read_each_event(repaired, context)
    calendars = [c for c in calendars if c.name == "VCALENDAR"]
    if not calendars:
        raise ParseError("not iCalendar: no VCALENDAR component")
    first = calendars[0]
    for extra in calendars[1:]:
        first.subcomponents.extend(extra.subcomponents)
    return first


def _read_each_event(repaired: str, context: Context) -> icalendar.Calendar:
    """A calendar of the VEVENTs that parse on their own (calendar-level properties are lost)."""
    calendar = icalendar.Calendar()
    zones = [m.group(0) + "\r\n" for m in _block("VTIMEZONE").finditer(repaired)]
    blocks = [m.group(0) for m in _block("VEVENT").finditer(repaired)]
    for index, block in enumerate(blocks):
        try:
            wrapped = "BEGIN:VCALENDAR\r\n" + "".join(zones) + block + "\r\nEND:VCALENDAR\r\n"
            calendar.subcomponents.extend(icalendar.Calendar.from_ical(wrapped).walk("VEVENT"))
        except (ValueError, KeyError, IndexError, AttributeError, TypeError) as error:
            context.problems.append(f"event {index}: unreadable: {type(error).__name__}: {error}")
    if not blocks:
        raise ParseError("unreadable iCalendar: no VEVENT could be read")
    return calendar


def _block(name: str) -> re.Pattern:
    return re.compile(rf"^BEGIN:{name}\r?$.*?^END:{name}\r?$", re.MULTILINE | re.DOTALL | re.IGNORECASE)


def _standardise(calendar: icalendar.Calendar, context: Context) -> icalendar.Calendar:
    """UTC times moved into X-WR-TIMEZONE (Google Calendar exports) when it names a known zone."""
    try:
        return x_wr_timezone.to_standard(calendar)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        context.problems.append(f"X-WR-TIMEZONE ignored: {type(error).__name__}: {error}")
        return calendar


def _listing(events: list, url: str, context: Context, moments: Moments) -> Listing:
    master = next((e for e in events if e.get("RECURRENCE-ID") is None), events[0])
    listing = Listing(title="", source_key=series_key(master))
    fill_fields(listing, master, url, moments)
    if master.get("DTSTART") is None:
        return listing
    open_ended = listing.end is None
    if len(events) == 1 and not any(master.get(name) is not None for name in ("RRULE", "RDATE", "EXDATE")):
        listing.occurrences = _one_off(listing, context)  # no expansion needed: the common, fast case
        return listing
    series = icalendar.Calendar()
    series.subcomponents.extend(e for e in events if e.get("DTSTART") is not None)
    try:
        found = query(series)
        if len(events) > 1 or master.get("EXDATE") is not None:
            _first_instance(listing, found, moments, open_ended)
        listing.occurrences = _occurrences(found, context, moments, listing.status == "cancelled", open_ended)
    except (ValueError, TypeError, AttributeError, KeyError) as error:  # keep the event, unexpanded
        context.problems.append(f"event {listing.title!r}: recurrence not expanded: {type(error).__name__}: {error}")
        listing.occurrences = _one_off(listing, context)
    return listing


def _one_off(listing: Listing, context: Context) -> list[Occurrence]:
    if not in_window(listing.start, context.window_start, context.window_end, end=listing.end):
        return []
    status = "cancelled" if listing.status == "cancelled" else "scheduled"
    return [Occurrence(start=listing.start, end=listing.end, status=status)]


def _first_instance(listing: Listing, found, moments: Moments, open_ended: bool) -> None:
    """Start/end moved to the first real instance when EXDATE or an override changed it."""
    try:
        first = first_instance(found)
    except IndexError:  # every instance excluded: keep DTSTART
        return
    listing.start, end = moments.span(first)
    listing.end = None if open_ended else end


def _occurrences(series, context: Context, moments: Moments, cancelled: bool, open_ended: bool) -> list[Occurrence]:
    """Instances overlapping the window (at most MAX_OCCURRENCES, a problem noted when there are more);
    `open_ended` series (no DTEND/DURATION) keep end None."""
    found = []
    for instance in instances(series, context.window_start, context.window_end):
        if len(found) >= MAX_OCCURRENCES:
            context.problems.append(f"event {str(instance.get('SUMMARY', ''))[:80]!r}: {capped()}")
            break
        start, end = moments.span(instance)
        status = "cancelled" if cancelled or _instance_cancelled(instance) else "scheduled"
        found.append(Occurrence(start=start, end=None if open_ended else end, status=status))
    found.sort(key=lambda o: _sort_key(o.start))
    return found


def _instance_cancelled(instance) -> bool:
    """An instance's own STATUS decides; without one, a marker in its own SUMMARY ("CANCELLED: ...")."""
    status = str(instance.get("STATUS", "")).strip().upper()
    if status:
        return status == "CANCELLED"
    return status_from_text(clean_text(str(instance.get("SUMMARY", "")))) == "cancelled"


def _sort_key(value: date | datetime) -> tuple:
    if isinstance(value, datetime):
        return (value.date(), value.timestamp())
    return (value, float("-inf"))
