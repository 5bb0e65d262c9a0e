"""The Events Calendar (WordPress) REST API: `/wp-json/tribe/events/v1/events` pages or one event object."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime, timedelta

from scrapers import register
from scrapers.base import Adapter, Context, ParseError, json_document
from scrapers.hints import is_meeting_url, valid_point
from scrapers.listing import Listing, Organizer, Venue
from scrapers.text import clean_text, description_pair, json_object, safe_url, split_categories
from scrapers.times import localize, offset_zone, zone

FREE_WORDS = {"free", "gratis", "kostenlos", "gratuit", "0", "$0", "€0"}


def _events(data) -> list[dict]:
    if isinstance(data, dict) and isinstance(data.get("events"), list):
        return data["events"]
    if isinstance(data, dict) and "start_date" in data and ("rest_url" in data or "utc_start_date" in data):
        return [data]
    if isinstance(data, list) and all(isinstance(e, dict) and "start_date" in e for e in data):
        return data
    raise ParseError("not a The Events Calendar REST response (no 'events' list or event object)")


def _text(value) -> str:
    return clean_text(html.unescape(value)) if isinstance(value, str) else ""


def _moment(event: dict, which: str, context: Context) -> tuple[datetime | None, str | None]:
    """(aware start/end, IANA zone or None): local time in the event's zone, else its UTC time."""
    local = event.get(f"{which}_date")
    name = event.get("timezone") or ""
    try:
        naive = datetime.fromisoformat(local) if isinstance(local, str) and local else None
        utc = event.get(f"utc_{which}_date")
        utc_time = datetime.fromisoformat(utc).replace(tzinfo=UTC) if isinstance(utc, str) and utc else None
    except ValueError as error:
        raise ValueError(f"{which}_date unreadable: {error}") from None
    if naive is not None and zone(name):
        return localize(naive, name)
    fixed = offset_zone(name)
    if naive is not None and fixed is not None:
        return naive.replace(tzinfo=fixed), None
    if utc_time is not None:
        default = zone(context.timezone)
        return (utc_time.astimezone(default), context.timezone) if default else (utc_time, None)
    if naive is not None:
        return localize(naive, context.timezone)
    return None, None


def _venue(raw) -> tuple[Venue, tuple[float, float] | None]:
    if not isinstance(raw, dict):
        return Venue(), None
    venue = Venue(
        name=_text(raw.get("venue")),
        street=_text(raw.get("address")),
        locality=_text(raw.get("city")),
        region=_text(raw.get("stateprovince") or raw.get("province") or raw.get("state")),
        postcode=_text(raw.get("zip")),
        country=_text(raw.get("country")),
    )
    return venue, valid_point(raw.get("geo_lat"), raw.get("geo_lng"))


def _organizer(raw, base: str) -> Organizer:
    first = raw[0] if isinstance(raw, list) and raw else raw
    if not isinstance(first, dict):
        return Organizer()
    return Organizer(name=_text(first.get("organizer")), url=safe_url(first.get("website") or first.get("url"), base))


def _cost(event: dict) -> tuple[str, bool | None]:
    cost = _text(event.get("cost"))
    values = (event.get("cost_details") or {}).get("values") if isinstance(event.get("cost_details"), dict) else None
    if not cost:
        return "", None
    free = cost.casefold() in FREE_WORDS or (bool(values) and all(str(v) in ("0", "0.00") for v in values))
    return cost, free


def build(event: dict, base: str, context: Context) -> Listing | None:
    """One listing from a TEC event object; ValueError when its dates do not read."""
    title = _text(event.get("title"))
    if not title:
        raise ValueError("event without a title")
    start, zone_name = _moment(event, "start", context)
    end, _ = _moment(event, "end", context)
    all_day = bool(event.get("all_day"))
    if all_day and start is not None:
        start = start.date()
        end = (end.date() if end else start) + timedelta(days=1)
    venue, point = _venue(event.get("venue"))
    virtual_url = safe_url(event.get("virtual_url"), base)
    website = safe_url(event.get("website"), base)
    online_url = virtual_url or (website if is_meeting_url(website) else "")
    online = bool(event.get("is_virtual")) or bool(online_url)
    description, description_html = description_pair(event.get("description"))
    cost, free = _cost(event)
    image = event.get("image")
    status = "cancelled" if str(event.get("event_status", "")).lower() in ("canceled", "cancelled") else "scheduled"
    occurrences = context.one_off(start, end, status)
    return Listing(
        title=title,
        kind="online" if online and venue.is_empty() and point is None else "event",
        description=description,
        description_html=description_html,
        url=safe_url(event.get("url"), base),
        organizer=_organizer(event.get("organizer"), base),
        venue=venue,
        lat=point[0] if point else None,
        lon=point[1] if point else None,
        online=online,
        online_url=online_url,
        start=start,
        end=end,
        timezone=zone_name,
        all_day=all_day and isinstance(start, date),
        occurrences=occurrences,
        status=status,
        cost=cost,
        free=free,
        categories=split_categories(c.get("name") for c in _dicts(event.get("categories"))),
        image_url=safe_url(image.get("url"), base) if isinstance(image, dict) else "",
        source_key=str(event.get("id") or event.get("global_id") or event.get("url") or ""),
        extra={"tags": [t.get("name") for t in _dicts(event.get("tags")) if t.get("name")]},
    )


def _dicts(value) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


@register("tec")
class TecAdapter(Adapter):
    """Events from The Events Calendar REST API v1 (one page of `events`, or a single event)."""

    def parse(self, body: bytes, url: str = "", context: Context | None = None) -> list[Listing]:
        context = context or Context(url=url)
        events = _events(json_document(body, "The Events Calendar JSON"))
        return context.each(events, lambda e: build(e, url or context.url, context), "event")

    def next_url(self, body: bytes, url: str) -> str | None:
        return safe_url(json_object(body).get("next_rest_url"), url) or None

    @classmethod
    def sniff(cls, body: bytes, url: str) -> bool:
        head = body[:50_000]
        return head.lstrip()[:1] in (b"{", b"[") and (
            b"/wp-json/tribe/events/" in head or (b'"utc_start_date"' in head and b'"start_date"' in head)
        )
