"""Google Calendar API v3 `events.list` JSON (public calendars read with an API key).

One Listing per series: a master with `recurrence` lines is expanded over the window, and its
instances/overrides (items with `recurringEventId` + `originalStartTime`) move or cancel
occurrences. A feed fetched with `singleEvents=true` (instances only) is grouped back by series.
Times keep the event's `timeZone` (else the calendar's) when the offset fits it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapers import register
from scrapers.address import is_online_place, venue_from_text
from scrapers.base import Adapter, Context, ParseError, json_document
from scrapers.gcal_recurrence import expand_lines
from scrapers.hints import is_meeting_url, status_from_text
from scrapers.listing import Listing, Occurrence, Organizer
from scrapers.recurrence import in_window
from scrapers.text import clean_text, description_pair, safe_url
from scrapers.times import localize


def _document(body: bytes) -> dict:
    data = json_document(body, "Google Calendar JSON")
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise ParseError("not a Google Calendar events.list response (no items list)")
    if data.get("kind") not in (None, "calendar#events"):
        raise ParseError(f"not a Google Calendar events.list response (kind {data.get('kind')!r})")
    return data


@register("gcal")
class GoogleCalendar(Adapter):
    """`GET https://www.googleapis.com/calendar/v3/calendars/<id>/events?key=...` answers."""

    @classmethod
    def sniff(cls, body: bytes, url: str) -> bool:
        head = body[:4096]
        return b'"calendar#events"' in head or b"googleapis.com/calendar/v3" in url.encode()

    def next_url(self, body: bytes, url: str) -> str | None:
        token = _document(body).get("nextPageToken")
        if not token:
            return None
        parts = urlsplit(url)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "pageToken"] + [("pageToken", token)]
        return urlunsplit(parts._replace(query=urlencode(query)))

    def parse(self, body: bytes, url: str = "", context: Context | None = None) -> list[Listing]:
        context = context or Context(url=url)
        data = _document(body)
        calendar_tz = data.get("timeZone") or context.timezone
        series: dict[str, list[dict]] = {}
        for item in data["items"]:
            if isinstance(item, dict):
                key = item.get("recurringEventId") or item.get("id") or item.get("iCalUID") or ""
                series.setdefault(str(key), []).append(item)
            else:
                context.problems.append(f"item {item!r:.40}: not an object")
        return context.each(series.values(), lambda items: _listing(items, calendar_tz, context), label="series")


def when(value: dict | None, tz_name: str | None) -> tuple[datetime | date | None, str | None]:
    """(moment, IANA zone) of a Google `start`/`end` object; a date for all-day values."""
    if not isinstance(value, dict):
        return None, None
    if value.get("dateTime"):
        moment = datetime.fromisoformat(str(value["dateTime"]).replace("Z", "+00:00"))
        return localize(moment, value.get("timeZone") or tz_name)
    if value.get("date"):
        return date.fromisoformat(str(value["date"])[:10]), value.get("timeZone") or tz_name
    return None, None


def _listing(items: list[dict], calendar_tz: str | None, context: Context) -> Listing | None:
    master = next((i for i in items if not i.get("recurringEventId")), None)
    head = master or next((i for i in items if i.get("status") != "cancelled"), items[0])
    start, tz_name = when(head.get("start"), calendar_tz)
    end, _ = when(head.get("end"), calendar_tz)
    if isinstance(start, date) and not isinstance(start, datetime) and (not isinstance(end, date) or end <= start):
        end = start + timedelta(days=1)
    title = clean_text(head.get("summary"))
    listing = Listing(title=title, start=start, end=end, timezone=tz_name)
    listing.all_day = start is not None and not isinstance(start, datetime)
    listing.source_key = str(head.get("recurringEventId") or head.get("iCalUID") or head.get("id") or "")
    listing.description, listing.description_html = description_pair(head.get("description"))
    listing.url = safe_url(head.get("htmlLink"))
    listing.status = "cancelled" if head.get("status") == "cancelled" else status_from_text(title) or "scheduled"
    location = clean_text(head.get("location"))
    listing.venue = venue_from_text(location)
    listing.online, listing.online_url = _online(head, location)
    organizer = head.get("organizer") or {}
    listing.organizer = Organizer(name=clean_text(organizer.get("displayName")))
    lines = [str(line) for line in head.get("recurrence") or [] if isinstance(line, str)]
    rule = next((line.split(":", 1)[1] for line in lines if line.upper().startswith("RRULE:")), None)
    listing.recurrence = rule
    listing.occurrences = _occurrences(listing, lines, items, master, calendar_tz, context)
    return listing


def _expanded(listing: Listing, lines: list[str], context: Context) -> list[tuple]:
    """The series' (start, end) pairs in the window; the rule kept as expanded, what changed noted."""
    pairs, expansion = expand_lines(listing.start, listing.end, lines, context.window_start, context.window_end)
    listing.recurrence = expansion.rule or listing.recurrence
    context.problems += [f"series {listing.title[:80]!r}: {why}" for why in expansion.problems]
    return pairs


def _online(item: dict, location: str) -> tuple[bool, str]:
    points = (item.get("conferenceData") or {}).get("entryPoints") or []
    links = [p.get("uri") for p in points if isinstance(p, dict) and p.get("entryPointType") == "video"]
    links += [item.get("hangoutLink"), location if is_meeting_url(location) else None]
    url = next((safe_url(link) for link in links if safe_url(link)), "")
    return bool(url or (location and is_online_place(location))), url


def _occurrences(listing, lines, items, master, calendar_tz, context) -> list[Occurrence]:
    status = "cancelled" if listing.status == "cancelled" else "scheduled"
    found: dict = {}
    if master is not None and lines and listing.start is not None:
        for start, end in _expanded(listing, lines, context):
            found[start] = Occurrence(start=start, end=end, status=status)
    elif master is not None and listing.start is not None:
        found[listing.start] = Occurrence(start=listing.start, end=listing.end, status=status)
    for item in items:
        if item is master:
            continue
        original, _ = when(item.get("originalStartTime"), calendar_tz)
        start, _ = when(item.get("start"), calendar_tz)
        end, _ = when(item.get("end"), calendar_tz)
        found.pop(original, None)
        cancelled = item.get("status") == "cancelled" or status == "cancelled"
        if start is None and cancelled and original is not None:
            start, end = original, _shifted_end(listing, original)
        if start is not None:
            found[start] = Occurrence(start=start, end=end, status="cancelled" if cancelled else "scheduled")
    window = (context.window_start, context.window_end)
    kept = [o for o in found.values() if in_window(o.start, *window, end=o.end)]
    return sorted(kept, key=lambda o: _sortable(o.start))


def _shifted_end(listing: Listing, start):
    if listing.end is None or type(listing.start) is not type(start):
        return None
    return start + (listing.end - listing.start)


def _sortable(value) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day, tzinfo=UTC)
