"""Socrata SODA datasets (`/resource/<id>.json`): a JSON array of rows whose values are all strings.

Columns differ per dataset, so the catalogue's `mapping` names them, e.g.
`{"title": "title", "start": "start_date", "description": "summary", "url": "display_url",
"lat": "latitude", "lon": "longitude"}`. A mapping value may be a list of columns (first non-empty
wins). Keys not mapped fall back to common column names (see DEFAULT_COLUMNS). Extra keys:
`url_base` (where relative URLs point; default the dataset's own domain), `kind`.
Dates: ISO or human ("February 24 2011"); a value without a time of day (or Socrata's floating
midnight "2011-02-24T00:00:00.000") is an all-day date; floating times take the source's zone.
The Discovery catalogue API (`/api/catalog/v1`) lists datasets, not listings: ParseError.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapers import register
from scrapers.base import Adapter, Context, ParseError, json_document
from scrapers.hints import valid_point
from scrapers.listing import Listing, Organizer, Venue
from scrapers.text import clean_text, description_pair, load_json, safe_url, split_categories
from scrapers.times import parse_when

DEFAULT_LIMIT = 1000  # SODA 2.x answers this many rows when the URL sets no $limit
DEFAULT_COLUMNS = {
    "id": ("id", "opportunity_id", "event_id", ":id"),
    "title": ("title", "name", "event_name", "opportunity_title"),
    "start": ("start_date", "start_date_date", "start_datetime", "start", "event_date", "date"),
    "end": ("end_date", "end_date_date", "end_datetime", "end"),
    "description": ("description", "summary", "details"),
    "url": ("url", "display_url", "website", "link"),
    "lat": ("latitude", "lat"),
    "lon": ("longitude", "lon", "lng"),
    "location": ("location", "geocoded_column", "location_1"),
    "venue": ("venue", "location_name", "site_name"),
    "street": ("address", "street_address", "locality_address"),
    "locality": ("city", "locality_city", "borough"),
    "region": ("state", "locality_state", "region"),
    "postcode": ("zip", "zipcode", "postalcode", "postal_code"),
    "organizer": ("org_title", "organization", "organization_name", "organizer"),
    "organizer_url": ("org_url", "organization_url"),
    "categories": ("category", "category_desc", "categories", "type"),
    "cost": ("cost", "fee", "price"),
}
_HAS_TIME = re.compile(r"\d{1,2}:\d{2}|\d\s*[ap]\.?m\b", re.IGNORECASE)
_SNAKE = re.compile(r"^:?[a-z0-9_]+$")
_MIDNIGHT = re.compile(r"T00:00(:00(\.0+)?)?$")


def _value(row: dict, spec) -> object:
    for column in [spec] if isinstance(spec, str) else list(spec or []):
        value = row.get(column)
        if value not in (None, "", [], {}):
            return value
    return None


def _text(value) -> str:
    if isinstance(value, dict):  # SODA url columns: {"url": ..., "description": ...}
        value = value.get("url") or value.get("description")
    return clean_text(value) if isinstance(value, (str, int, float)) else ""


def _when(value, tz_name: str | None) -> datetime | date | None:
    text = _text(value)
    if not text:
        return None
    moment = parse_when(text, tz_name)
    if moment is None:
        raise ValueError(f"unreadable date {text!r}")
    if not _HAS_TIME.search(text) or _MIDNIGHT.search(text):
        return moment.date()
    return moment


def _point(row: dict, columns: dict) -> tuple[float, float] | None:
    point = valid_point(_value(row, columns["lat"]), _value(row, columns["lon"]))
    location = _value(row, columns["location"])
    if point is None and isinstance(location, dict):
        coordinates = location.get("coordinates")
        if isinstance(coordinates, list) and len(coordinates) == 2:  # GeoJSON point: lon, lat
            return valid_point(coordinates[1], coordinates[0])
        return valid_point(location.get("latitude"), location.get("longitude"))
    return point


@register("socrata")
class SocrataAdapter(Adapter):
    def parse(self, body: bytes, url: str = "", context: Context | None = None) -> list[Listing]:
        context = context or Context(url=url)
        rows = json_document(body, "a Socrata dataset")
        if isinstance(rows, dict):
            if "results" in rows and "resultSetSize" in rows:
                raise ParseError("a Socrata Discovery catalogue response (lists datasets, not listings)")
            if rows.get("error") or rows.get("errorCode"):
                raise ParseError(f"Socrata error: {clean_text(rows.get('message') or rows.get('errorCode'))}")
            raise ParseError("not a SODA row array")
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise ParseError("not a SODA row array (expected a JSON array of objects)")
        columns = {key: context.mapping.get(key, fallback) for key, fallback in DEFAULT_COLUMNS.items()}
        if rows and not any(_value(row, columns["title"]) for row in rows):
            raise ParseError(f"no row has a title column {columns['title']!r}: set mapping.title for this dataset")
        origin = url or context.url
        parts = urlsplit(origin)
        base = context.mapping.get("url_base") or (f"{parts.scheme}://{parts.netloc}/" if parts.netloc else "")
        return context.each(rows, lambda row: self._listing(row, columns, base, context), "socrata row")

    def _listing(self, row: dict, columns: dict, base: str, context: Context) -> Listing:
        start = _when(_value(row, columns["start"]), context.timezone)
        end = _when(_value(row, columns["end"]), context.timezone)
        if isinstance(start, date) and not isinstance(start, datetime) and isinstance(end, date):
            end = end if isinstance(end, datetime) else end + timedelta(days=1)  # inclusive last day
        if type(start) is not type(end) or (end is not None and end < start):
            end = None
        text, markup = description_pair(_text(_value(row, columns["description"])))
        point = _point(row, columns)
        categories = _value(row, columns["categories"])
        listing = Listing(
            title=_text(_value(row, columns["title"])),
            kind=context.mapping.get("kind") or "volunteer",
            description=text,
            description_html=markup,
            url=safe_url(_text(_value(row, columns["url"])), base),
            organizer=Organizer(
                name=_text(_value(row, columns["organizer"])),
                url=safe_url(_text(_value(row, columns["organizer_url"])), base),
            ),
            venue=Venue(
                name=_text(_value(row, columns["venue"])),
                street=_text(_value(row, columns["street"])),
                locality=_text(_value(row, columns["locality"])) or context.locality,
                region=_text(_value(row, columns["region"])),
                postcode=_text(_value(row, columns["postcode"])),
                country=context.country,
            ),
            lat=point[0] if point else None,
            lon=point[1] if point else None,
            start=start,
            end=end,
            timezone=context.timezone if isinstance(start, datetime) else None,
            all_day=start is not None and not isinstance(start, datetime),
            cost=_text(_value(row, columns["cost"])),
            categories=split_categories(categories if isinstance(categories, list) else [_text(categories)]),
            source_key=_text(_value(row, columns["id"])),
        )
        listing.occurrences = context.one_off(start, end)
        return listing

    def next_url(self, body: bytes, url: str) -> str | None:
        """The same query at the next `$offset`; None once a page holds fewer rows than `$limit`."""
        try:
            rows = load_json(body)
        except ValueError:
            return None
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        try:
            limit = int(query.get("$limit", DEFAULT_LIMIT))
            offset = int(query.get("$offset", 0))
        except ValueError:
            return None
        if not isinstance(rows, list) or len(rows) < limit or limit <= 0:
            return None
        query.update({"$limit": str(limit), "$offset": str(offset + limit)})
        return urlunsplit(parts._replace(query=urlencode(query, safe="$:,")))

    @classmethod
    def sniff(cls, body: bytes, url: str) -> bool:
        """A /resource/ URL, a Discovery answer (to say why it is no source), or rows of only snake_case strings."""
        head = body.lstrip()[:1]
        if "/resource/" in url and head == b"[":
            return True
        if head == b"{":
            return b'"resultSetSize"' in body[:200_000] and b'"resource"' in body[:200_000]
        try:
            rows = load_json(body) if head == b"[" else None
        except ValueError:
            return False
        if not isinstance(rows, list) or not rows or not all(isinstance(row, dict) and row for row in rows[:20]):
            return False
        keys = {key for row in rows[:20] for key in row}
        strings = all(isinstance(value, str) for row in rows[:20] for value in row.values())
        return strings and all(_SNAKE.match(key) for key in keys) and any("_" in key for key in keys)
