"""FullCalendar-style JSON event feeds (WordPress Event Organiser, EventOn AJAX and many plugins).

Shapes read: a JSON array of `{title, start, end, allDay, url, ...}` objects (also wrapped as
`{"events": [...]}` or `{"data": [...]}`), and EventOn's `{"eventList": [...], "content": "<html>"}`.

Times: ISO strings with an offset are kept; naive ones ('2024-05-01T18:00:00') are wall-clock
time in the source's zone (`context.timezone`, else UTC with timezone None). Numeric epochs are
real instants (milliseconds when > 1e11). EventOn's `event_start_unix` is different: the plugin
encodes the *local wall-clock* time as if it were UTC (10:00 in Chicago arrives as 10:00Z), so it
is read as a naive local time too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from dateutil import parser as date_parser

from scrapers import register
from scrapers.address import venue_from_text
from scrapers.base import Adapter, Context, ParseError, json_document
from scrapers.eventon import eventon_details
from scrapers.hints import status_from_text, valid_point
from scrapers.listing import Listing, Occurrence, Organizer, Venue
from scrapers.page_zones import apply_page_times, page_times
from scrapers.recurrence import in_window
from scrapers.spans import settle_span
from scrapers.text import clean_text, decode_body, description_pair, html_to_text, load_json, safe_url, split_categories
from scrapers.times import localize, zone

_DATE_ONLY = 10  # len("2024-05-01")


@register("fullcalendar")
class FullCalendar(Adapter):
    """A JSON list of calendar events as FullCalendar consumes them."""

    @classmethod
    def sniff(cls, body: bytes, url: str) -> bool:
        try:
            data = load_json(body)
        except ValueError:
            return False
        if isinstance(data, dict) and isinstance(data.get("eventList"), list):
            return True
        if isinstance(data, dict):  # {"timezone": "Europe/Madrid", "events": [...]}
            data = next((data[k] for k in ("events", "data") if isinstance(data.get(k), list)), None)
        return (
            isinstance(data, list)
            and bool(data)
            and all(isinstance(i, dict) for i in data)
            and all("title" in i and "start" in i for i in data)
        )

    def parse(self, body: bytes, url: str = "", context: Context | None = None) -> list[Listing]:
        context = context or Context(url=url)
        url = url or context.url
        data = json_document(body, "a FullCalendar feed")
        if isinstance(data, dict) and isinstance(data.get("eventList"), list):
            markup = str(data.get("content") or "")
            details = eventon_details(markup, url)
            items = [_from_eventon(item, details) for item in data["eventList"] if isinstance(item, dict)]
            listings = context.each(items, lambda item: _listing(item, url, context, wall_clock=True), label="event")
            apply_page_times(listings, page_times(markup, details), context.timezone)
            return listings
        if isinstance(data, dict):  # {"timezone": ..., "events": [...]}: the zone is read from the text below
            data = next((data[k] for k in ("events", "data", "items") if isinstance(data.get(k), list)), None)
        if not isinstance(data, list):
            raise ParseError("not a FullCalendar feed: expected a JSON array of events")
        if data and not any(isinstance(i, dict) and _pick(i, "start", "start_date", "startDate") for i in data):
            raise ParseError("not a FullCalendar feed: no item has a start")
        listings = context.each(data, lambda item: _listing(item, url, context), label="event")
        apply_page_times(listings, page_times(decode_body(body)), context.timezone)  # a `timezone` field beside
        return listings


def _from_eventon(item: dict, details: dict) -> dict:
    extra = details.get(str(item.get("event_id")), {})
    return {
        "id": item.get("event_id"),
        "title": item.get("event_title"),
        "start": item.get("event_start_unix"),
        "end": item.get("event_end_unix"),
        **extra,
    }


def _pick(item: dict, *keys):
    return next((item[k] for k in keys if item.get(k) not in (None, "", [])), None)


def when(value, tz_name: str | None, wall_clock: bool = False) -> tuple[datetime | date | None, str | None]:
    """(moment, IANA zone or None) of one start/end value; a date for date-only strings."""
    if value is None or value == "":
        return None, None
    text = str(value).strip()
    if isinstance(value, (int, float)) or text.isdigit():
        seconds = float(text)
        moment = datetime.fromtimestamp(seconds / 1000 if seconds > 1e11 else seconds, UTC)
        if wall_clock:
            return localize(moment.replace(tzinfo=None), tz_name)
        tz = zone(tz_name)
        return (moment.astimezone(tz), tz_name) if tz else (moment, None)
    if len(text) == _DATE_ONLY and text[4:5] == "-":
        return date.fromisoformat(text), tz_name
    try:
        moment = date_parser.parse(text)
    except (ValueError, OverflowError):
        raise ValueError(f"unreadable time {text!r}") from None
    return localize(moment, tz_name)


def _listing(item, url: str, context: Context, wall_clock: bool = False) -> Listing | None:
    if not isinstance(item, dict):
        raise TypeError("event is not an object")
    title = html_to_text(str(_pick(item, "title", "name", "event_title") or ""))  # WordPress sends entities
    start, tz_name = when(_pick(item, "start", "start_date", "startDate"), context.timezone, wall_clock)
    end, _ = when(_pick(item, "end", "end_date", "endDate"), context.timezone, wall_clock)
    all_day = bool(_pick(item, "allDay", "all_day", "allday")) or (
        start is not None and not isinstance(start, datetime)
    )
    if all_day and isinstance(start, datetime):
        start, end = start.date(), end.date() if isinstance(end, datetime) else end
    if all_day and start is not None and (not isinstance(end, date) or end <= start):
        end = start + timedelta(days=1)
    if isinstance(start, datetime):  # reversed swapped, a date end read at 00:00 (scrapers/spans.py)
        start, end = settle_span(start, end if isinstance(end, date) else None)
    listing = Listing(title=title, start=start, end=end, all_day=all_day)
    listing.timezone = tz_name if start is not None else None
    listing.source_key = str(_pick(item, "id", "event_id", "uid") or _pick(item, "url", "link") or "")
    listing.url = safe_url(_pick(item, "url", "link", "permalink"), url)
    listing.description, listing.description_html = description_pair(_pick(item, "description", "content", "excerpt"))
    listing.status = _status(item, title)
    listing.venue, point = _place(item)
    if point:
        listing.lat, listing.lon = point
    listing.organizer = Organizer(name=clean_text(_name(_pick(item, "organiser", "organizer"))))
    listing.categories = split_categories(_names(_pick(item, "categories", "category")))
    listing.image_url = safe_url(_pick(item, "image", "image_url", "thumbnail"), url)
    if not listing.source_key:
        listing.source_key = f"{title}|{start.isoformat() if start else ''}"
    if start is not None and in_window(start, context.window_start, context.window_end, end=end):
        status = "cancelled" if listing.status == "cancelled" else "scheduled"
        listing.occurrences = [Occurrence(start=start, end=end, status=status)]
    return listing


def _status(item: dict, title: str) -> str:
    raw = str(_pick(item, "status", "eventStatus") or "").lower()
    if "cancel" in raw:
        return "cancelled"
    if "postpone" in raw or "rescheduled" in raw:
        return "postponed"
    return status_from_text(title) or "scheduled"


def _place(item: dict) -> tuple[Venue, tuple[float, float] | None]:
    value = _pick(item, "venue", "location", "place")
    point = valid_point(_pick(item, "lat", "latitude"), _pick(item, "lng", "lon", "longitude"))
    if isinstance(value, dict):
        point = point or valid_point(_pick(value, "lat", "latitude"), _pick(value, "lng", "lon", "longitude"))
        venue = venue_from_text(clean_text(_pick(value, "address", "street") or ""))
        venue.name = clean_text(_pick(value, "name", "title") or venue.name)
        return venue, point
    if isinstance(value, str):
        return venue_from_text(value), point
    return Venue(), point


def _name(value) -> str:
    if isinstance(value, dict):
        return str(_pick(value, "name", "title", "display_name") or "")
    return "" if value is None or isinstance(value, (int, float, list)) else str(value)


def _names(value) -> list[str]:
    if isinstance(value, (str, dict)):
        value = [value]
    return [_name(v) for v in value or [] if _name(v)]
