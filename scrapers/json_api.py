"""Any JSON API, read through the catalogue's `mapping` (adapter name `json`).

    mapping = {
      items = "$.data.items",                 # where the list of items is (or "$.data.items[*]")
      next = "$.links.next.href",              # the next page's link: absolute or relative to this page
      kind = "volunteer",                      # the listings' kind (else the catalogue's)
      url_template = "https://do-it.org/opportunities/{source_key}",  # when items carry no link
      fields = { title = "title", source_key = "id", lat = ["lat", "locations[0].lat"], ... },
    }

Paths are JSONPath (jsonpath-ng, with its extensions: filters, `len`); a field's path is relative
to the item, and a list of paths means the first that gives a value. Fields: title, description,
url, source_key, start, end, lat, lon, venue_name, street, locality, region, postcode, country,
organizer, organizer_url, categories (every match), image_url, cost, online_url, min_age, timezone.
Texts are cleaned; dates are ISO or human; URLs are made absolute against the page's URL.
A body without the mapped items is refused with the path that found nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from jsonpath_ng.exceptions import JSONPathError
from jsonpath_ng.ext import parse as parse_path

from scrapers import register
from scrapers.base import Adapter, Context, ParseError, follow_link, json_document
from scrapers.hints import valid_point
from scrapers.listing import KINDS, Listing, Organizer, Venue
from scrapers.text import clean_text, description_pair, load_json, safe_url, split_categories
from scrapers.times import parse_when

FIELDS = (
    "title",
    "description",
    "url",
    "source_key",
    "start",
    "end",
    "lat",
    "lon",
    "venue_name",
    "street",
    "locality",
    "region",
    "postcode",
    "country",
    "organizer",
    "organizer_url",
    "categories",
    "image_url",
    "cost",
    "online_url",
    "min_age",
    "timezone",
)


@lru_cache(maxsize=256)
def compiled(path: str):
    """The parsed JSONPath; ParseError naming it when it is not one."""
    try:
        return parse_path(path)
    except (JSONPathError, TypeError, ValueError) as error:
        raise ParseError(f"mapping path {path!r} is not JSONPath: {error}") from None


def values(data, spec) -> list:
    """Every non-empty value the path (or the first fruitful of a list of paths) finds in `data`."""
    for path in [spec] if isinstance(spec, str) else list(spec or []):
        found = [match.value for match in compiled(path).find(data) if match.value not in (None, "", [], {})]
        if found:
            return found
    return []


def _text(value) -> str:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, (str, int, float))), "")
    return clean_text(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""


def _when(value, tz_name: str | None) -> datetime | date | None:
    text = _text(value)
    if not text:
        return None
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        return date.fromisoformat(text)
    moment = parse_when(text, tz_name)
    if moment is None:
        raise ValueError(f"unreadable date {text!r}")
    return moment


def check_mapping(mapping: dict) -> dict:
    """The mapping's `fields`; ParseError when `items` or `fields.title` is missing or a field is unknown."""
    fields = mapping.get("fields")
    if not isinstance(mapping.get("items"), str) or not isinstance(fields, dict) or not fields.get("title"):
        raise ParseError(
            "the json adapter needs a catalogue mapping with `items` and `fields.title` (see scrapers/json_api.py)"
        )
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise ParseError(f"mapping.fields: unknown field(s) {', '.join(unknown)}; known: {', '.join(FIELDS)}")
    return fields


@register("json")
class JsonAdapter(Adapter):
    def __init__(self):
        self.mapping: dict = {}  # the last parse's mapping: `next_url` follows its `next` path

    def parse(self, body: bytes, url: str = "", context: Context | None = None) -> list[Listing]:
        context = context or Context(url=url)
        fields = check_mapping(context.mapping)
        self.mapping = context.mapping
        data = json_document(body, "a JSON API answer")
        matches = [match.value for match in compiled(context.mapping["items"]).find(data)]
        if not matches:
            keys = ", ".join(list(data)[:6]) if isinstance(data, dict) else type(data).__name__
            raise ParseError(f"mapping.items {context.mapping['items']!r} finds nothing in this body (keys: {keys})")
        items = matches[0] if len(matches) == 1 and isinstance(matches[0], list) else matches
        base = url or context.url
        return context.each(items, lambda item: self._listing(item, fields, base, context), "json item")

    def _listing(self, item, fields: dict, base: str, context: Context) -> Listing:
        if not isinstance(item, dict):
            raise TypeError(f"item is a {type(item).__name__}, not an object")

        def text(name: str) -> str:
            return _text(values(item, fields[name])) if name in fields else ""

        tz_name = text("timezone") or context.timezone
        start, end = _when(text("start"), tz_name), _when(text("end"), tz_name)
        if type(start) is not type(end) or (end is not None and end < start):
            end = None
        point = valid_point(text("lat"), text("lon"))
        description, markup = description_pair(text("description"))
        key = text("source_key")
        link = safe_url(text("url"), base)
        if not link and context.mapping.get("url_template") and key:
            link = safe_url(str(context.mapping["url_template"]).replace("{source_key}", key))
        kind = context.mapping.get("kind")
        min_age = text("min_age")
        listing = Listing(
            title=text("title"),
            kind=kind if kind in KINDS else "event",
            kind_stated=kind in KINDS,
            description=description,
            description_html=markup,
            url=link,
            organizer=Organizer(name=text("organizer"), url=safe_url(text("organizer_url"), base)),
            venue=Venue(
                name=text("venue_name"),
                street=text("street"),
                locality=text("locality") or context.locality,
                region=text("region"),
                postcode=text("postcode"),
                country=text("country") or context.country,
            ),
            lat=point[0] if point else None,
            lon=point[1] if point else None,
            online_url=safe_url(text("online_url"), base),
            start=start,
            end=end,
            timezone=tz_name if isinstance(start, datetime) else None,
            all_day=start is not None and not isinstance(start, datetime),
            cost=text("cost"),
            min_age=int(float(min_age)) if min_age.replace(".", "", 1).isdigit() else None,
            categories=split_categories(
                [_text(v) for v in values(item, fields["categories"])] if "categories" in fields else []
            ),
            image_url=safe_url(text("image_url"), base),
            source_key=key,
        )
        listing.online = bool(listing.online_url) and point is None and listing.venue.is_empty()
        listing.occurrences = context.one_off(start, end)
        return listing

    def next_url(self, body: bytes, url: str) -> str | None:
        """The mapped next-page link made absolute, or None (no `next` path, no link, or this page again)."""
        return next_link(body, url, self.mapping)

    @classmethod
    def sniff(cls, body: bytes, url: str) -> bool:
        return False  # any JSON may be read this way, but only with a mapping: never detected


def next_link(body: bytes, url: str, mapping: dict) -> str | None:
    """The page after `url` according to `mapping.next` (absolute, or relative to `url`)."""
    path = mapping.get("next")
    if not isinstance(path, str):
        return None
    try:
        data = load_json(body)
    except ValueError:
        return None
    found = values(data, path)
    link = found[0] if found else None
    if isinstance(link, dict):  # HAL: {"href": ..., "title": ...}
        link = link.get("href")
    if not isinstance(link, str) or not link.strip():
        return None
    return follow_link(url, link)
