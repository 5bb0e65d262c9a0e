"""Reading one VEVENT's properties into a Listing (times via `scrapers.ics.times`), and its stable key."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime

from scrapers.address import is_online_place, venue_from_text
from scrapers.hints import access_hints, audience_hints, is_meeting_url, status_from_text, valid_point
from scrapers.ics.times import Moments
from scrapers.listing import Listing, Organizer
from scrapers.text import clean_text, description_pair, safe_url, split_categories

_MANGLED = re.compile(r"[<>\"\s]|&#|&[a-z]+;", re.IGNORECASE)


def group_id(event) -> str:
    """What ties a master to its RECURRENCE-ID overrides: the raw UID, else a content hash."""
    uid = str(event.get("UID", "")).strip()
    return uid or content_hash(event)


def series_key(event) -> str:
    """A stable source key: the UID when it is sane, else a hash of SUMMARY and DTSTART."""
    uid = str(event.get("UID", "")).strip()
    if uid and len(uid) <= 255 and not _MANGLED.search(uid):
        return uid
    return content_hash(event)


def content_hash(event) -> str:
    start = event.get("DTSTART")
    stamp = start.to_ical().decode() if start is not None else ""
    text = f"{clean_text(event.get('SUMMARY', ''))}|{stamp}"
    return "h:" + hashlib.sha1(text.encode()).hexdigest()[:16]  # noqa: S324 (an id, not security)


def fill_fields(listing: Listing, event, base_url: str, moments: Moments) -> None:
    """Every property of `event` that a Listing holds, written into `listing`."""
    listing.title = clean_text(event.get("SUMMARY", ""))
    alt = _first(event.get("X-ALT-DESC"))
    if alt is not None and "html" in str(alt.params.get("FMTTYPE", "")).lower():
        listing.description, listing.description_html = description_pair(str(alt))
    else:
        listing.description, listing.description_html = description_pair(event.get("DESCRIPTION", ""))
    listing.url = safe_url(str(event.get("URL", "")), base_url)
    if event.get("DTSTART") is not None:
        listing.start, listing.end = moments.span(event)
        listing.all_day = not isinstance(listing.start, datetime)
        listing.timezone = moments.zone_name(listing.start)
    _fill_recurrence(listing, event)
    status = str(event.get("STATUS", "")).strip().upper()
    if status:  # the format's field decides; the title's marker only when it is missing
        listing.status = "cancelled" if status == "CANCELLED" else "scheduled"
    else:
        listing.status = status_from_text(listing.title) or "scheduled"
    _fill_place(listing, event, base_url)
    listing.organizer = _organizer(event.get("ORGANIZER"))
    listing.categories = split_categories(_categories(event.get("CATEGORIES")))
    listing.image_url = _image(event.get("IMAGE"), base_url)
    words = f"{listing.title}\n{listing.description}"
    listing.audience, listing.accessibility = audience_hints(words), access_hints(words)


def _fill_recurrence(listing: Listing, event) -> None:
    rule = _first(event.get("RRULE"))
    if rule is not None:
        listing.recurrence = rule.to_ical().decode()
    listing.rdates = _date_list(event.get("RDATE"))
    listing.exdates = _date_list(event.get("EXDATE"))


def _fill_place(listing: Listing, event, base_url: str) -> None:
    location = clean_text(event.get("LOCATION", ""))
    listing.venue = venue_from_text(location)
    if location and is_online_place(location):
        listing.online = True
        listing.online_url = safe_url(location) if is_meeting_url(location) else ""
    conferences = [c for c in _all(event.get("CONFERENCE"))]
    if conferences:
        listing.online = True
        web = [safe_url(str(c), base_url) for c in conferences]
        listing.online_url = next((u for u in web if u), listing.online_url)
    try:
        geo = event.get("GEO")
        point = valid_point(geo.latitude, geo.longitude) if geo is not None else None
    except (ValueError, AttributeError):  # a broken GEO is no position
        point = None
    if point:
        listing.lat, listing.lon = point


def _organizer(value) -> Organizer:
    value = _first(value)
    if value is None:
        return Organizer()
    name = clean_text(value.params.get("CN", "")).strip('"')
    return Organizer(name=name, url=safe_url(str(value)))


def _categories(value) -> list[str]:
    names = []
    for prop in _all(value):
        for cat in getattr(prop, "cats", [prop]):
            names.append(str(cat).replace("\\,", ",").replace("\\;", ";").replace("\\\\", "\\"))
    return names


def _image(value, base_url: str) -> str:
    for prop in _all(value):
        params = getattr(prop, "params", {})
        if str(params.get("VALUE", "URI")).upper() == "BINARY" or params.get("ENCODING"):
            continue
        url = safe_url(str(prop), base_url)
        if url:
            return url
    return ""


def _date_list(value) -> list[str]:
    out = []
    for prop in _all(value):
        for item in getattr(prop, "dts", []):
            moment = item.dt[0] if isinstance(item.dt, tuple) else item.dt
            if isinstance(moment, date):
                out.append(moment.isoformat())
    return out


def _all(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _first(value):
    items = _all(value)
    return items[0] if items else None
