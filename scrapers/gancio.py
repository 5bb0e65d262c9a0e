"""Gancio instances: the `/api/events` JSON list (also one event from `/api/event/<slug>`).

Times are epoch seconds (UTC); the instance's own zone is not in the API, so the source's default
`timezone` (catalogue) is used for display when set. Media file names are relative to the
instance's `/media/` path.

Online rule: Gancio's `online_locations` holds any link the organiser typed, often a ticket shop.
An event counts as online only when its place is the online place (named "online", "on-line",
"virtual", ...), or when one of its links looks like a video call or stream (`is_meeting_url`).
A stream link on an in-person event makes it hybrid: online, but still "event" with its venue.
Other links are kept in `extra["links"]`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from scrapers import register
from scrapers.address import address_from_text
from scrapers.base import Adapter, Context, ParseError, json_document
from scrapers.hints import is_meeting_url, valid_point
from scrapers.listing import Listing, Venue
from scrapers.text import clean_text, description_pair, safe_url, split_categories
from scrapers.times import zone

ONLINE_PLACES = {"online", "on-line", "on line", "virtual", "virtuel", "en ligne", "internet", "web", "stream"}


def _events(data) -> list[dict]:
    if isinstance(data, dict) and isinstance(data.get("events"), list):
        data = data["events"]
    if isinstance(data, dict) and "start_datetime" in data:
        return [data]
    if isinstance(data, list) and all(isinstance(item, dict) for item in data):
        if data and not any("start_datetime" in item for item in data):
            raise ParseError("JSON list without Gancio events (no start_datetime)")
        return data
    raise ParseError("not a Gancio /api/events response")


def _when(value, tz_name: str | None) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromtimestamp(int(value), UTC)
    except (OverflowError, OSError) as error:
        raise ValueError(f"epoch time out of range: {value!r}") from error
    tz = zone(tz_name)
    return moment.astimezone(tz) if tz else moment


def _instance(url: str) -> str:
    """The instance root ('https://host/') a relative path resolves against, '' when unknown."""
    return safe_url("/", url) if url else ""


@register("gancio")
class GancioAdapter(Adapter):
    def parse(self, body: bytes, url: str = "", context: Context | None = None) -> list[Listing]:
        context = context or Context(url=url)
        data = json_document(body, "a Gancio feed")
        root = _instance(url or context.url)
        return context.each(_events(data), lambda event: self._listing(event, root, context), "gancio event")

    def _listing(self, event: dict, root: str, context: Context) -> Listing:
        start = _when(event.get("start_datetime"), context.timezone)
        if start is None:
            raise ValueError("event without start_datetime")
        end = _when(event.get("end_datetime"), context.timezone)
        place = event.get("place") or {}
        place_name = clean_text(place.get("name"))
        online_place = place_name.casefold() in ONLINE_PLACES
        links = [safe_url(link) for link in event.get("online_locations") or [] if isinstance(link, str)]
        links = [link for link in links if link]
        stream = next((link for link in links if is_meeting_url(link)), "")
        online = online_place or bool(stream)
        point = None if online_place else valid_point(place.get("latitude"), place.get("longitude"))
        text, markup = description_pair(event.get("description"))
        slug = event.get("slug") or event.get("id")
        listing = Listing(
            title=clean_text(event.get("title")),
            kind="online" if online_place else "event",
            description=text,
            description_html=markup,
            url=safe_url(f"/event/{slug}", root) if slug and root else "",
            venue=Venue() if online_place else _venue(place_name, place.get("address")),
            lat=point[0] if point else None,
            lon=point[1] if point else None,
            online=online,
            online_url=stream or (links[0] if online_place and links else ""),
            start=start,
            end=end if end and end >= start else None,
            timezone=context.timezone if zone(context.timezone) else None,
            categories=split_categories(event.get("tags")),
            image_url=self._image(event.get("media"), root),
            source_key=str(event.get("id") or slug or ""),
        )
        listing.occurrences = context.one_off(start, listing.end)
        other_links = [link for link in links if link != listing.online_url]
        if other_links:
            listing.extra["links"] = other_links
        if event.get("parentId"):
            listing.extra["series_id"] = str(event["parentId"])
        return listing

    @staticmethod
    def _image(media, root: str) -> str:
        for item in media or []:
            name = item.get("url") if isinstance(item, dict) else None
            if isinstance(name, str) and name:
                return safe_url(name) or (safe_url(f"/media/{name.lstrip('/')}", root) if root else "")
        return ""

    @classmethod
    def sniff(cls, body: bytes, url: str) -> bool:
        head = body[:4000]
        return b'"start_datetime"' in head and (b'"slug"' in head or b'"place"' in head)


def _venue(name: str, address) -> Venue:
    """The place's name with its address text read into street, postcode, locality (scrapers/address.py)."""
    venue = address_from_text(clean_text(address))
    venue.name = name
    return venue
