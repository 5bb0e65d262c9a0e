"""One `_field` helper per schema.org property group: values -> Listing parts (pure, no page I/O)."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta

from dateutil import parser as date_parser

from scrapers.address import address_from_text
from scrapers.hints import valid_point
from scrapers.listing import Organizer, Venue
from scrapers.schemaorg.nodes import short_type, types_of
from scrapers.text import clean_text, safe_url
from scrapers.times import fixed_offset, iso_duration, localize

# EventOn writes '2019-9-18T10-10-00-00' for 10:00 (hour, hour again, minutes, '00').
_EVENTON = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})T(\d{1,2})-\4-(\d{2})-\d{2}$")
_DATE_ONLY = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
_ISO_LIKE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")
FREE_WORDS = {"free", "gratis", "kostenlos", "gratuit", "0", "0.0", "0.00"}


def first(value):
    """The first non-empty value of a property that may be repeated."""
    if isinstance(value, list):
        return next((v for v in value if v not in (None, "", [], {})), None)
    return value


def text_of(value) -> str:
    """Plain text of a scalar property (entities decoded); the longest when repeated."""
    values = value if isinstance(value, list) else [value]
    texts = [
        clean_text(html.unescape(str(v)))
        for v in values
        if isinstance(v, (str, int, float)) and not isinstance(v, bool)
    ]
    return max(texts, key=len) if texts else ""


def url_of(value, base: str) -> str:
    """A safe absolute URL from a string, a node with `url`/`@id`, or a list of those."""
    value = first(value)
    if isinstance(value, dict):
        value = first(value.get("url")) or first(value.get("contentUrl")) or value.get("@id")
    return safe_url(value if isinstance(value, str) else "", base)


def parse_date(value, tz_name: str | None) -> tuple[datetime | date | None, str | None, str]:
    """(moment, IANA zone or None, problem or '') from a schema.org date; a date alone means all-day."""
    raw = first(value)
    if raw in (None, ""):
        return None, None, ""
    text = str(raw).strip()
    repaired = _EVENTON.match(text)
    if repaired:
        y, mo, d, h, mi = (int(g) for g in repaired.groups())
        text = f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}"
    elif _DATE_ONLY.match(text):
        y, mo, d = (int(p) for p in text.split("-"))
        try:
            return date(y, mo, d), None, ""
        except ValueError:
            return None, None, f"unreadable date {raw!r}"
    if not (_ISO_LIKE.match(text) or (re.search(r"[A-Za-z]{3}", text) and re.search(r"\b\d{4}\b", text))):
        return None, None, f"unreadable date {raw!r}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = date_parser.parse(text)
        except (ValueError, OverflowError):
            return None, None, f"unreadable date {raw!r}"
    moment, zone_name = localize(fixed_offset(parsed), tz_name)
    return moment, zone_name, ""


def all_day_span(start, end) -> tuple[date, date] | None:
    """(first day, exclusive last day) when timed values really mean whole days (00:00 -> 23:59:59)."""
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        return None
    if start.time() == datetime.min.time() and (end.hour, end.minute) == (23, 59) and end >= start:
        return start.date(), end.date() + timedelta(days=1)
    return None


def end_from_duration(start, duration):
    delta = iso_duration(first(duration))
    if delta is None or start is None:
        return None
    return start + delta


def venue_of(location, base: str) -> tuple[Venue, tuple[float, float] | None, str]:
    """(venue, (lat, lon) or None, online URL) from `location`: Place, VirtualLocation, text, or a list."""
    venue, point, online_url = Venue(), None, ""
    for place in location if isinstance(location, list) else [location]:
        if isinstance(place, str) and not venue.name:
            venue.name = text_of(place)
            continue
        if not isinstance(place, dict):
            continue
        if "VirtualLocation" in types_of(place):
            online_url = online_url or url_of(place.get("url"), base)
            continue
        if venue.is_empty():
            venue = Venue(name=text_of(place.get("name")))
            _fill_address(venue, first(place.get("address")))
        geo = first(place.get("geo")) if isinstance(first(place.get("geo")), dict) else place
        point = point or valid_point(first(geo.get("latitude")), first(geo.get("longitude")))
    return venue, point, online_url


def _fill_address(venue: Venue, address) -> None:
    if isinstance(address, str):  # an address as text ("London, UK"): read into its parts
        parsed = address_from_text(text_of(address))
        venue.street, venue.locality, venue.region = parsed.street, parsed.locality, parsed.region
        venue.postcode, venue.country = parsed.postcode, parsed.country
        return
    if not isinstance(address, dict):
        return
    country = first(address.get("addressCountry"))
    venue.street = text_of(address.get("streetAddress"))
    venue.locality = text_of(address.get("addressLocality"))
    venue.region = text_of(address.get("addressRegion"))
    venue.postcode = text_of(address.get("postalCode"))
    venue.country = text_of(country.get("name") if isinstance(country, dict) else country)


def organizer_of(value, base: str) -> Organizer:
    value = first(value)
    if isinstance(value, str):
        return Organizer(name=text_of(value))
    if not isinstance(value, dict):
        return Organizer()
    return Organizer(name=text_of(value.get("name")), url=url_of(value.get("url"), base))


def cost_of(node: dict) -> tuple[str, bool | None]:
    """(cost text, free flag) from `offers` (Offer, AggregateOffer, list) and `isAccessibleForFree`."""
    free_flag = node.get("isAccessibleForFree")
    free = None
    if isinstance(free_flag, bool) or str(free_flag).lower() in ("true", "false"):
        free = str(free_flag).lower() == "true"
    costs = []
    offers = node.get("offers")
    for offer in offers if isinstance(offers, list) else [offers]:
        if not isinstance(offer, dict):
            continue
        currency = text_of(offer.get("priceCurrency"))
        low, high = text_of(offer.get("lowPrice")), text_of(offer.get("highPrice"))
        price = text_of(offer.get("price")) or low
        if price.casefold() in FREE_WORDS and not high:
            free = True if free is None else free
            costs.append("free")
            continue
        shown = f"{low}–{high}" if low and high else price
        if shown:
            costs.append(f"{shown} {currency}".strip())
            free = False if free is None else free
    return ", ".join(dict.fromkeys(costs)), free


def status_of(value) -> str:
    kind = short_type(text_of(value)).rsplit("/", 1)[-1]
    return {"EventCancelled": "cancelled", "EventPostponed": "postponed"}.get(kind, "scheduled")


def attendance_of(value) -> str:
    """'online', 'mixed' or 'offline' from eventAttendanceMode."""
    kind = short_type(text_of(value)).rsplit("/", 1)[-1]
    return {"OnlineEventAttendanceMode": "online", "MixedEventAttendanceMode": "mixed"}.get(kind, "offline")


def category_of(schema_type: str) -> str:
    """'Visual Arts' from 'VisualArtsEvent'; '' for plain Event."""
    stem = schema_type.removesuffix("Event")
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", stem) if stem and stem != schema_type else ""


def keywords_of(value) -> list[str]:
    values = value if isinstance(value, list) else [value]
    out = []
    for item in values:
        if isinstance(item, str):
            out.extend(part for part in item.split(",") if part.strip())
        elif isinstance(item, dict) and item.get("name"):
            out.append(text_of(item["name"]))
    return out
