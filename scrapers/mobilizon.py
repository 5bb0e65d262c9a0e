"""Mobilizon GraphQL answers: `searchEvents` (events) and `searchGroups` (groups → "club").

Shape read: `data.searchEvents.elements[]` with title, url, uuid/id, beginsOn, endsOn, description
(HTML), physicalAddress {geom "lon;lat", description (place name), street, locality, region,
postalCode, country, timezone}, onlineAddress, status (CONFIRMED/TENTATIVE/CANCELLED), tags[{title}],
category, picture{url}, options{isOnline, maximumAttendeeCapacity}, organizerActor/attributedTo.
Mobilizon's `geom` is "lon;lat" (x first), not "lat;lon".
Online: `options.isOnline`, or an onlineAddress that looks like a video call or stream; otherwise
the onlineAddress is the event's web page and is kept in `extra["links"]`.
A GraphQL `errors` answer without data is a failed request (ParseError).
Paging: for a query sent over GET (`?query=...`) with literal arguments, the next page is the same
query with `page:` one higher, while the answer's `total` says more elements remain (Mobilizon's
default `limit` is 10). Queries passing their arguments as `variables` are read as one page.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapers import register
from scrapers.base import Adapter, Context, ParseError, json_document
from scrapers.hints import is_meeting_url, valid_point
from scrapers.listing import Listing, Organizer, Venue
from scrapers.text import clean_text, description_pair, safe_url, split_categories
from scrapers.times import zone, zoned_span

STATUSES = {"CANCELLED": "cancelled", "TENTATIVE": "scheduled", "CONFIRMED": "scheduled"}
DEFAULT_LIMIT = 10
_SEARCH_CALL = re.compile(r"\b(searchEvents|searchGroups)\s*\(([^)]*)\)")
_ARGUMENT = r"\b{}\s*:\s*(\d+)"


def lon_lat(geom) -> tuple[float, float] | None:
    """(lat, lon) from Mobilizon's "lon;lat" geom string (or a GeoJSON-ish dict); None when unreadable."""
    if isinstance(geom, dict) and isinstance(geom.get("coordinates"), list) and len(geom["coordinates"]) == 2:
        lon, lat = geom["coordinates"]
        return valid_point(lat, lon)
    if not isinstance(geom, str) or ";" not in geom:
        return None
    lon, _, lat = geom.partition(";")
    return valid_point(lat.strip(), lon.strip())


def _venue(address) -> Venue:
    if not isinstance(address, dict):
        return Venue()
    return Venue(
        name=clean_text(address.get("description")),
        street=clean_text(address.get("street")),
        locality=clean_text(address.get("locality")),
        region=clean_text(address.get("region")),
        postcode=clean_text(address.get("postalCode")),
        country=clean_text(address.get("country")),
    )


def _actor(value) -> Organizer:
    if not isinstance(value, dict):
        return Organizer()
    return Organizer(
        name=clean_text(value.get("name") or value.get("preferredUsername")), url=safe_url(value.get("url"))
    )


def _tags(item: dict) -> list[str]:
    names = [tag.get("title") or tag.get("slug") for tag in item.get("tags") or [] if isinstance(tag, dict)]
    if isinstance(item.get("category"), str):
        names.append(item["category"])
    return split_categories(names)


def _elements(payload: dict, name: str) -> list | None:
    found = payload.get(name)
    elements = found.get("elements") if isinstance(found, dict) else None
    return elements if isinstance(elements, list) else None


@register("mobilizon")
class MobilizonAdapter(Adapter):
    def parse(self, body: bytes, url: str = "", context: Context | None = None) -> list[Listing]:
        context = context or Context(url=url)
        data = json_document(body, "a Mobilizon answer")
        if not isinstance(data, dict):
            raise ParseError("not a Mobilizon GraphQL answer (expected an object with data)")
        payload = data.get("data")
        if not isinstance(payload, dict):
            errors = data.get("errors") if isinstance(data.get("errors"), list) else []
            message = errors[0].get("message") if errors and isinstance(errors[0], dict) else "no data"
            raise ParseError(f"Mobilizon GraphQL error: {message}")
        events, groups = _elements(payload, "searchEvents"), _elements(payload, "searchGroups")
        if events is None and groups is None:
            raise ParseError("GraphQL answer without searchEvents or searchGroups elements")
        listings = context.each(events or [], lambda item: self._event(item, context), "mobilizon event")
        return listings + context.each(groups or [], lambda item: self._group(item, context), "mobilizon group")

    def _event(self, item: dict, context: Context) -> Listing:
        address = item.get("physicalAddress")
        options = item.get("options") or {}
        tz_name = next(
            (
                name
                for name in (item.get("timezone"), options.get("timezone"), (address or {}).get("timezone"))
                if zone(name)
            ),
            None,
        )
        start, end, tz_name = zoned_span(item.get("beginsOn"), item.get("endsOn"), tz_name, context.timezone)
        if start is None:
            raise ValueError(f"event without a readable beginsOn: {item.get('beginsOn')!r}")
        online_address = safe_url(item.get("onlineAddress"))
        online = bool(options.get("isOnline")) or is_meeting_url(online_address)
        venue = _venue(address)
        point = lon_lat((address or {}).get("geom"))
        text, markup = description_pair(item.get("description"))
        listing = Listing(
            title=clean_text(item.get("title")),
            kind="online" if online and venue.is_empty() else "event",
            description=text,
            description_html=markup,
            url=safe_url(item.get("url")),
            organizer=_actor(item.get("attributedTo"))
            if item.get("attributedTo")
            else _actor(item.get("organizerActor")),
            venue=venue,
            lat=point[0] if point else None,
            lon=point[1] if point else None,
            online=online,
            online_url=online_address if online else "",
            start=start,
            end=end if end and end >= start else None,
            timezone=tz_name,
            status=STATUSES.get(str(item.get("status") or "").upper(), "scheduled"),
            categories=_tags(item),
            image_url=safe_url((item.get("picture") or {}).get("url")),
            source_key=str(item.get("uuid") or item.get("id") or item.get("url") or ""),
        )
        listing.occurrences = context.one_off(start, listing.end, listing.status)
        if online_address and not online:
            listing.extra["links"] = [online_address]
        capacity = options.get("maximumAttendeeCapacity")
        if isinstance(capacity, int) and capacity > 0:
            listing.extra["capacity"] = capacity
        if item.get("joinOptions"):
            listing.extra["join_mode"] = item["joinOptions"]
        return listing

    def _group(self, item: dict, context: Context) -> Listing:
        address = item.get("physicalAddress")
        point = lon_lat((address or {}).get("geom"))
        text, markup = description_pair(item.get("summary"))
        return Listing(
            title=clean_text(item.get("name") or item.get("preferredUsername")),
            kind="club",
            description=text,
            description_html=markup,
            url=safe_url(item.get("url")),
            venue=_venue(address),
            lat=point[0] if point else None,
            lon=point[1] if point else None,
            image_url=safe_url((item.get("avatar") or {}).get("url")),
            source_key=str(item.get("url") or item.get("id") or item.get("preferredUsername") or ""),
            extra={"members": item["membersCount"]} if isinstance(item.get("membersCount"), int) else {},
        )

    def next_url(self, body: bytes, url: str) -> str | None:
        parts = urlsplit(url)
        params = parse_qsl(parts.query, keep_blank_values=True)
        query = dict(params).get("query", "")
        call = _SEARCH_CALL.search(query)
        if call is None or "$" in call.group(2):  # no query in the URL, or arguments given as variables
            return None
        try:
            payload = json.loads(body).get("data") or {}
            found = payload.get(call.group(1)) or {}
            total, shown = int(found.get("total")), len(found.get("elements") or [])
        except (ValueError, TypeError, AttributeError):
            return None  # parse() reports what is wrong with the answer
        page, limit = (_argument(call.group(2), name) for name in ("page", "limit"))
        page, limit = page or 1, limit or DEFAULT_LIMIT
        if shown == 0 or page * limit >= total:
            return None
        arguments = call.group(2)
        if re.search(_ARGUMENT.format("page"), arguments):
            arguments = re.sub(_ARGUMENT.format("page"), f"page:{page + 1}", arguments)
        else:
            arguments = f"{arguments},page:{page + 1}" if arguments.strip() else f"page:{page + 1}"
        query = f"{query[: call.start(2)]}{arguments}{query[call.end(2) :]}"
        params = [(key, query if key == "query" else value) for key, value in params]
        return urlunsplit(parts._replace(query=urlencode(params)))

    @classmethod
    def sniff(cls, body: bytes, url: str) -> bool:
        head = body[:2000]
        return b'"searchEvents"' in head or b'"searchGroups"' in head


def _argument(arguments: str, name: str) -> int | None:
    found = re.search(_ARGUMENT.format(name), arguments)
    return int(found.group(1)) if found else None
