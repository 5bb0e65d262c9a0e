"""Calendar (.ics) and Atom files for listings and searches — deterministic: the same rows give the same bytes.

No Flask here: callers pass the site's base URL and the clock.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from feedgen.feed import FeedGenerator
from icalendar import Calendar, Event

from finder.web.feeds_series import series_events
from scrapers.times import zone

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_EVENTS_PER_LISTING = 60
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Line breaks and controls: a calendar name is one line (icalendar asserts it, and under `python -O` would
# write it raw, letting a title inject calendar lines).
_NOT_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def absolute(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def listing_path(listing) -> str:
    return f"/listings/{listing.id}"


def has_dates(listing) -> bool:
    return bool(listing.occurrences or listing.start or listing.next_start)


def listing_calendar(listing, base_url: str, links_only: bool = False) -> bytes:
    """The listing as iCalendar: a series with its RRULE, EXDATEs, RDATEs and overrides when it has a rule and a
    zone (finder/web/feeds_series.py: it expands to exactly the stored occurrences), else its dated instances.
    `links_only`: its source forbids republication, so none of its text is copied."""
    calendar = _calendar(f"Kindred: {listing.title}")
    hide = frozenset({listing.id}) if links_only else frozenset()
    for event in _listing_events(listing, base_url, since=None, hide=hide):
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def search_calendar(listings, base_url: str, title: str, now: datetime, links_only_ids=frozenset()) -> bytes:
    """Every upcoming dated instance of the listings (ongoing clubs without dates are left out);
    listings in `links_only_ids` carry no description (their sources forbid republication)."""
    calendar = _calendar(title)
    events = [event for listing in listings for event in _instances(listing, base_url, now, links_only_ids)]
    events.sort(key=lambda event: (event.decoded("dtstart").isoformat(), str(event["uid"])))
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical()


def search_atom(listings, base_url: str, feed_url: str, html_url: str, title: str, describe) -> bytes:
    """An Atom feed with one entry per listing, in the given order; `describe(listing)` is the entry's summary."""
    feed = FeedGenerator()
    feed.id(_xml(feed_url))
    feed.title(_xml(title))
    feed.author({"name": "Kindred"})
    feed.link(href=_xml(feed_url), rel="self")
    feed.link(href=_xml(html_url), rel="alternate")
    feed.updated(max((listing.updated_at for listing in listings), default=EPOCH))
    for listing in listings:
        entry = feed.add_entry(order="append")
        url = absolute(base_url, listing_path(listing))
        entry.id(url)
        entry.title(_xml(listing.title))
        entry.link(href=url)
        entry.updated(listing.updated_at)
        entry.summary(_xml(describe(listing)))
    return feed.atom_str(pretty=True)


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Kindred//kindred-finder//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _NOT_ONE_LINE.sub(" ", name or "").strip())
    return calendar


def _listing_events(listing, base_url: str, since: datetime | None, hide: frozenset) -> list[Event]:
    tz = zone(listing.timezone)
    if listing.recurrence and tz is not None and listing.start is not None and not listing.all_day:
        series = series_events(listing, tz, lambda: _event(listing, base_url, f"listing-{listing.id}", hide))
        if series is not None:
            return series
    return _instances(listing, base_url, since, hide)


def _instances(listing, base_url: str, since: datetime | None, hide: frozenset) -> list[Event]:
    """One event per dated instance (from `since` on when given), in UTC."""
    spans = [(o.start, o.end, o.all_day, o.status) for o in listing.occurrences]
    if not spans and (listing.start or listing.next_start):
        spans = [(listing.next_start or listing.start, listing.end, listing.all_day, listing.status)]
    events = []
    for start, end, all_day, status in spans:
        if since is not None and (end or start) < since:
            continue
        event = _event(listing, base_url, f"listing-{listing.id}-{start:%Y%m%dT%H%M%SZ}", hide)
        if all_day:
            event.add("dtstart", start.date())
            event.add("dtend", (end or start + timedelta(days=1)).date())
        else:
            event.add("dtstart", start)
            if end is not None:
                event.add("dtend", end)
        if status == "cancelled" and "status" not in event:
            event.add("status", "CANCELLED")
        events.append(event)
        if len(events) >= MAX_EVENTS_PER_LISTING:
            break
    return events


def _event(listing, base_url: str, uid: str, hide: frozenset) -> Event:
    host = base_url.split("://", 1)[-1].split("/", 1)[0] or "kindred"
    page = absolute(base_url, listing_path(listing))
    event = Event()
    event.add("uid", f"{uid}@{host}")
    event.add("dtstamp", listing.updated_at)
    event.add("summary", listing.title)
    event.add("url", page)
    # Sources that forbid republication are shown as links only: none of their text in our feeds.
    description = "" if listing.id in hide else (listing.description or "").strip()
    event.add("description", f"{description}\n\n{page}".strip() if description else page)
    place = ", ".join(p for p in (listing.venue_name, listing.street, listing.locality, listing.postcode) if p)
    if listing.online and listing.online_url:
        place = place or listing.online_url
    if place:
        event.add("location", place)
    if listing.lat is not None and listing.lon is not None and not listing.online:
        event.add("geo", (listing.lat, listing.lon))
    if listing.status == "cancelled":
        event.add("status", "CANCELLED")
    return event


def _xml(text: str) -> str:
    """Text without the control characters XML cannot carry."""
    return _NOT_XML.sub("", text or "")
