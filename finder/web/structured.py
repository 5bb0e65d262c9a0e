"""schema.org JSON-LD for our own pages: an `Event` for meetups and volunteering, an `Organization` for
clubs, services and organisation pages. Pure: takes ORM rows and absolute URLs, returns dicts; `script_tag`
embeds one safely (a JSON data block, not executable script, so the CSP allows it)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from markupsafe import Markup

from scrapers.text import safe_url
from scrapers.times import zone

ORGANIZATION_KINDS = ("club", "service")
STATUS = {"cancelled": "https://schema.org/EventCancelled", "postponed": "https://schema.org/EventPostponed"}
DESCRIPTION_CHARS = 500
# Characters that could end the <script> element or open markup, written as JSON \u escapes instead.
_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_tag(data: dict) -> Markup:
    """`<script type="application/ld+json">` holding `data`; no `</script>` or `<!--` can appear inside."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    for char, escape in _ESCAPES.items():
        text = text.replace(char, escape)
    return Markup(f'<script type="application/ld+json">{text}</script>')


def listing_jsonld(listing, page_url: str, *, links_only: bool = False) -> dict:
    """An Event describing `listing` (whose page is `page_url`), or for clubs and services an Organization
    carrying its next meeting as `event`. `links_only` (the source forbids republication) leaves the
    description and the picture out."""
    data: dict = {"@context": "https://schema.org", "name": listing.title, "url": page_url}
    if listing.description and not links_only:
        data["description"] = listing.description[:DESCRIPTION_CHARS]
    if safe_url(listing.image_url or "") and not links_only:
        data["image"] = safe_url(listing.image_url)
    if safe_url(listing.url or ""):
        data["sameAs"] = safe_url(listing.url)
    if listing.kind not in ORGANIZATION_KINDS:
        return {**data, "@type": "Event", **_event(listing)}
    data["@type"] = "Organization"
    place = _place(listing)
    if place:
        data["location"] = place
    if listing.next_start or listing.start:
        data["event"] = {"@type": "Event", "name": listing.title, "url": page_url, **_event(listing)}
    return data


def _event(listing) -> dict:
    data: dict = {}
    start = listing.next_start or listing.start
    if start:
        data["startDate"] = _when(start, listing)
        if listing.end and listing.start and start == listing.start:
            data["endDate"] = _when(listing.end, listing)
    data["eventStatus"] = STATUS.get(listing.status, "https://schema.org/EventScheduled")
    online_url = safe_url(listing.online_url or "")
    place = _place(listing)
    if listing.online:
        data["eventAttendanceMode"] = "https://schema.org/OnlineEventAttendanceMode"
        data["location"] = {"@type": "VirtualLocation", **({"url": online_url} if online_url else {})}
    else:
        data["eventAttendanceMode"] = "https://schema.org/OfflineEventAttendanceMode"
        if place:
            data["location"] = place
    organizer = _organizer(listing)
    if organizer:
        data["organizer"] = organizer
    if listing.free:
        data["isAccessibleForFree"] = True
    return data


def organization_jsonld(org, page_url: str) -> dict:
    """An Organization for an organisation page."""
    data: dict = {"@context": "https://schema.org", "@type": "Organization", "name": org.name, "url": page_url}
    if org.description:
        data["description"] = org.description[:DESCRIPTION_CHARS]
    if safe_url(org.url or ""):
        data["sameAs"] = safe_url(org.url)
    return data


def _place(listing) -> dict | None:
    address = {
        key: value
        for key, value in (
            ("streetAddress", listing.street),
            ("addressLocality", listing.locality),
            ("addressRegion", listing.region),
            ("postalCode", listing.postcode),
            ("addressCountry", listing.country),
        )
        if value
    }
    if not (listing.venue_name or address or listing.lat is not None):
        return None
    place: dict = {"@type": "Place", "name": listing.venue_name or listing.locality or listing.title}
    if address:
        place["address"] = {"@type": "PostalAddress", **address}
    if listing.lat is not None and listing.lon is not None:
        place["geo"] = {"@type": "GeoCoordinates", "latitude": listing.lat, "longitude": listing.lon}
    return place


def _organizer(listing) -> dict | None:
    name = listing.organization.name if listing.organization else listing.organizer_name
    if not name:
        return None
    organizer = {"@type": "Organization", "name": name}
    if safe_url(listing.organizer_url or ""):
        organizer["url"] = safe_url(listing.organizer_url)
    return organizer


def _when(value: datetime | date, listing) -> str:
    """ISO 8601 in the listing's own zone (with its offset); a plain date for all-day listings."""
    if isinstance(value, datetime):
        value = value.astimezone(zone(listing.timezone) or UTC)
        if listing.all_day:
            return value.date().isoformat()
    return value.isoformat()
