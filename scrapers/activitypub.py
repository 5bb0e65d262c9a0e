"""ActivityPub `Event` objects, as Mobilizon and Gancio federate them.

Accepts a bare Event, an activity wrapping one (Create, Update, Announce), and collections
(OrderedCollection / OrderedCollectionPage, `orderedItems` or `items`, an embedded `first` page).
Extension keys may come compacted (`joinMode`) or prefixed (`mz:joinMode`, `sc:...`).
Online: `isOnline` (Mobilizon), a `VirtualLocation` or a place named "online", or a Link
attachment that looks like a video call or stream.
"""

from __future__ import annotations

from scrapers import register
from scrapers.address import address_from_text
from scrapers.base import Adapter, Context, ParseError, json_document
from scrapers.hints import is_meeting_url, valid_point
from scrapers.listing import Listing, Organizer, Venue
from scrapers.text import clean_text, description_pair, json_object, safe_url, split_categories
from scrapers.times import zone, zoned_span

WRAPPERS = {"Create", "Update", "Announce", "Add"}
COLLECTIONS = {"OrderedCollection", "OrderedCollectionPage", "Collection", "CollectionPage"}
STATUSES = {"CANCELLED": "cancelled", "TENTATIVE": "scheduled", "CONFIRMED": "scheduled"}


def field(obj: dict, name: str, *prefixes: str):
    """`obj[name]`, or the same key with one of the JSON-LD prefixes (`mz:`, `sc:`, `ical:`)."""
    if name in obj:
        return obj[name]
    for prefix in prefixes or ("mz", "sc", "ical", "as"):
        if f"{prefix}:{name}" in obj:
            return obj[f"{prefix}:{name}"]
    return None


def _types(obj) -> set[str]:
    kind = obj.get("type") if isinstance(obj, dict) else None
    return {k for k in (kind if isinstance(kind, list) else [kind]) if isinstance(k, str)}


def events_in(data) -> list[dict]:
    """The Event objects inside a bare object, an activity or a collection page."""
    if isinstance(data, list):
        return [event for item in data for event in events_in(item)]
    if not isinstance(data, dict):
        return []
    types = _types(data)
    if "Event" in types:
        return [data]
    if types & WRAPPERS:
        return events_in(data.get("object"))
    if types & COLLECTIONS:
        items = data.get("orderedItems", data.get("items"))
        if items is None and isinstance(data.get("first"), dict):
            return events_in(data["first"])
        return events_in(items or [])
    return []


def _object_types(data, depth: int = 0) -> set[str]:
    """The types of the objects a collection or activity carries (not of the wrappers themselves)."""
    if depth > 6:
        return set()
    if isinstance(data, list):
        return set().union(*(_object_types(item, depth + 1) for item in data)) if data else set()
    if not isinstance(data, dict):
        return set()
    types = _types(data)
    if types & WRAPPERS:
        return _object_types(data.get("object"), depth + 1)
    if types & COLLECTIONS:
        items = data.get("orderedItems", data.get("items"))
        if items is None and isinstance(data.get("first"), dict):
            return _object_types(data["first"], depth + 1)
        return _object_types(items or [], depth + 1)
    return types or {"untyped"}


def _what(data) -> str:
    """What an ActivityStreams-looking document is, when it is not an event or a collection of them."""
    types = sorted(_types(data)) if isinstance(data, dict) else []
    if types:
        return f"an ActivityStreams {', '.join(types[:3])}, no Event"
    return "JSON that is no ActivityPub Event, activity or collection"


def _first(value):
    return value[0] if isinstance(value, list) and value else value


def _href(value) -> str:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("href") or value.get("url") or value.get("id")
    return value if isinstance(value, str) else ""


@register("activitypub")
class ActivityPubAdapter(Adapter):
    def parse(self, body: bytes, url: str = "", context: Context | None = None) -> list[Listing]:
        context = context or Context(url=url)
        data = json_document(body, "ActivityPub")
        if not isinstance(data, (dict, list)) or not (_types(data) & (WRAPPERS | COLLECTIONS | {"Event"})):
            if not (isinstance(data, list) and events_in(data)):
                raise ParseError(f"not a listing source: {_what(data)}")
        events = events_in(data)
        others = sorted(_object_types(data) - {"Event"})
        if not events and others:  # a page of Places or Notes is no calendar; an empty collection is one
            context.refuse(f"ActivityStreams {', '.join(others[:4])} objects, no Event")
        elif not events:
            context.problems.append("an ActivityStreams collection with no items")
        base = url or context.url
        return context.each(events, lambda event: build_listing(event, base, context), "activitypub event")

    def next_url(self, body: bytes, url: str) -> str | None:
        data = json_object(body)
        page = data.get("first") if isinstance(data.get("first"), dict) else data
        following = page.get("next") or (data.get("first") if isinstance(data.get("first"), str) else None)
        return safe_url(_href(following), url) or None

    @classmethod
    def sniff(cls, body: bytes, url: str) -> bool:
        head = body[:6000]
        return b"activitystreams" in head or (b'"Event"' in head and b'"startTime"' in head)


def build_listing(event: dict, base: str, context: Context) -> Listing:
    tz_name = field(event, "timezone") if zone(field(event, "timezone")) else None
    start, end, tz_name = zoned_span(event.get("startTime"), event.get("endTime"), tz_name, context.timezone)
    if start is None:
        raise ValueError(f"event without a readable startTime: {event.get('startTime')!r}")
    text, markup = description_pair(event.get("content") or event.get("summary"))
    venue, point, virtual = _place(event.get("location"))
    links = [a for a in event.get("attachment") or [] if isinstance(a, dict) and "Link" in _types(a)]
    stream = next((_href(a) for a in links if is_meeting_url(_href(a))), "")
    online = bool(field(event, "isOnline")) or virtual or bool(stream)
    listing = Listing(
        title=clean_text(event.get("name") or _first(list((event.get("nameMap") or {}).values()))),
        kind="online" if online and venue.is_empty() else "event",
        description=text,
        description_html=markup,
        url=safe_url(_href(event.get("url")), base) or safe_url(event.get("id"), base),
        organizer=Organizer(url=safe_url(_href(event.get("attributedTo") or event.get("actor")), base)),
        venue=venue,
        lat=point[0] if point else None,
        lon=point[1] if point else None,
        online=online,
        online_url=stream or (safe_url(_href(links[0]), base) if online and links else ""),
        start=start,
        end=end if end and end >= start else None,
        timezone=tz_name,  # the object's zone, else the source's when the offset fits it
        status=STATUSES.get(str(field(event, "status") or "").upper(), "scheduled"),
        categories=_categories(event),
        image_url=_image(event, base),
        source_key=str(event.get("id") or event.get("url") or ""),
    )
    listing.occurrences = context.one_off(start, listing.end, listing.status)
    capacity = field(event, "maximumAttendeeCapacity")
    if isinstance(capacity, (int, str)) and str(capacity).isdigit():
        listing.extra["capacity"] = int(capacity)
    for key, name in (("joinMode", "join_mode"), ("anonymousParticipationEnabled", "anonymous_participation")):
        if field(event, key) is not None:
            listing.extra[name] = field(event, key)
    other = [safe_url(_href(a), base) for a in links if safe_url(_href(a), base) != listing.online_url]
    if any(other):
        listing.extra["links"] = [link for link in other if link]
    return listing


def _place(location) -> tuple[Venue, tuple[float, float] | None, bool]:
    location = _first(location)
    if isinstance(location, str):
        return Venue(name=clean_text(location)), None, False
    if not isinstance(location, dict):
        return Venue(), None, False
    name = clean_text(location.get("name"))
    if "VirtualLocation" in _types(location) or name.casefold() in {"online", "virtual", "en ligne"}:
        return Venue(), None, True
    address = location.get("address")
    venue = Venue(name=name)
    if isinstance(address, dict):
        venue.street = clean_text(address.get("streetAddress"))
        venue.locality = clean_text(address.get("addressLocality"))
        venue.region = clean_text(address.get("addressRegion"))
        venue.postcode = clean_text(address.get("postalCode"))
        venue.country = clean_text(address.get("addressCountry"))
    elif isinstance(address, str):  # an address as text: read into its parts (scrapers/address.py)
        venue = address_from_text(address)
        venue.name = name
    return venue, valid_point(location.get("latitude"), location.get("longitude")), False


def _categories(event: dict) -> list[str]:
    names = [
        str(tag.get("name", "")).lstrip("#")
        for tag in event.get("tag") or []
        if isinstance(tag, dict) and "Hashtag" in _types(tag)
    ]
    category = field(event, "category")
    if isinstance(category, str):
        names.append(category)
    return split_categories(names)


def _image(event: dict, base: str) -> str:
    image = _href(event.get("image"))
    if image:
        return safe_url(image, base)
    for item in event.get("attachment") or []:
        if isinstance(item, dict) and str(item.get("mediaType", "")).startswith("image/"):
            return safe_url(_href(item), base)
    return ""
