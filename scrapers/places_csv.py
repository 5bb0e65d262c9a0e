"""Places in any CSV a directory publishes that is not HSDS (adapter name `csv`), read through the catalogue's
`mapping` in the `json` adapter's shape (scrapers/json_api.py), with column names where that has paths:

    mapping = {
      kind = "club",                                     # the listings' kind (else the catalogue's)
      fields = { title = "Club name", address = "Address", lat = ["Latitude", "lat"], phone = "Tel" },
      category_columns = ["Sports", "Arts", "Youth"],     # boolean columns: a yes cell adds the column's name
      # or a table: category_columns = { "Accessible" = "wheelchair access", "U18" = "youth" }
      url_template = "https://example.org/clubs/{source_key}",
    }

Without a mapping (or for a field it leaves out) the usual column names are tried, case and spacing
ignored: name/title, address, lat/latitude, lon/long/lng/longitude, phone/telephone, url/website, ...
A field may list several columns: the first non-empty cell wins. Fields: those of the `json` adapter
(title, description, url, source_key, lat, lon, venue_name, street, locality, region, postcode, country,
organizer, organizer_url, categories, image_url, cost, online_url, min_age) plus `address` (one line,
split into street/locality/region/postcode/country) and `phone`/`email`, which have no Listing field
and are kept in `extra`. Line endings and encodings as real files come (CR-only, Mac-Roman, cp1252):
scrapers/hsds/tabular.py `read_csv`. A table without a name column is refused, naming its columns.
"""

from __future__ import annotations

import csv
import io
import re

from scrapers import register
from scrapers.address import venue_from_text
from scrapers.base import Adapter, Context, ParseError
from scrapers.hints import valid_point
from scrapers.hsds.tabular import MAX_ROWS, decode_csv
from scrapers.listing import KINDS, Listing, Organizer
from scrapers.text import clean_text, description_pair, safe_url, split_categories

# Column names tried when the mapping names none, compared without case, spaces, '_' or '-'.
USUAL_COLUMNS = {
    "title": ("name", "title", "organisation", "organization", "organisationname", "club", "clubname", "placename"),
    "description": ("description", "about", "summary", "details", "notes"),
    "url": ("url", "website", "web", "link", "homepage", "webaddress"),
    "source_key": ("id", "identifier", "ref", "reference", "uid"),
    "lat": ("lat", "latitude", "y"),
    "lon": ("lon", "long", "lng", "longitude", "x"),
    "address": ("address", "fulladdress", "location", "addressline"),
    "venue_name": ("venue", "venuename", "building"),
    "street": ("street", "streetaddress", "address1", "addressline1"),
    "locality": ("town", "city", "locality", "village"),
    "region": ("region", "county", "state", "province"),
    "postcode": ("postcode", "postalcode", "zip", "zipcode", "postcodezip"),
    "country": ("country", "countrycode"),
    "phone": ("phone", "telephone", "tel", "phonenumber", "contactnumber"),
    "email": ("email", "emailaddress", "contactemail"),
    "categories": ("category", "categories", "type", "activity", "activities"),
}
FIELDS = ("title", "description", "url", "source_key", "lat", "lon", "venue_name", "street", "locality", "region",
          "postcode", "country", "organizer", "organizer_url", "categories", "image_url", "cost", "online_url",
          "min_age", "address", "phone", "email")  # fmt: skip
YES = {"y", "yes", "true", "1", "x", "✓", "✔", "ja", "oui", "si", "sí"}
MAX_EXTRA_CHARS = 200  # a phone number or an address, not a document
_KEY = re.compile(r"[\s_\-./]+")


def _norm(column: str) -> str:
    return _KEY.sub("", column).casefold()


def columns_for(mapping: dict, header: list[str]) -> dict[str, list[str]]:
    """Per field, the header's columns to read, in order: the mapping's, else the usual names."""
    fields = mapping.get("fields") or {}
    if not isinstance(fields, dict):
        raise ParseError("mapping.fields must be a table of field = column(s) (see scrapers/places_csv.py)")
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise ParseError(f"mapping.fields: unknown field(s) {', '.join(unknown)}; known: {', '.join(FIELDS)}")
    by_norm = {_norm(column): column for column in header}
    chosen = {}
    for name in FIELDS:
        wanted = fields.get(name)
        names = [wanted] if isinstance(wanted, str) else list(wanted or USUAL_COLUMNS.get(name, ()))
        chosen[name] = [by_norm[_norm(n)] for n in names if isinstance(n, str) and _norm(n) in by_norm]
    return chosen


def category_columns(mapping: dict, header: list[str]) -> dict[str, str]:
    """Boolean column -> the category a yes in it adds."""
    spec = mapping.get("category_columns") or {}
    pairs = spec.items() if isinstance(spec, dict) else ((column, column) for column in spec if isinstance(column, str))
    by_norm = {_norm(column): column for column in header}
    return {by_norm[_norm(column)]: str(label) for column, label in pairs if _norm(column) in by_norm}


def read_rows(body: bytes, context: Context) -> tuple[list[dict], list[str]]:
    """(rows with blank cells dropped, header) of a CSV separated by commas, semicolons or tabs (the first
    MAX_ROWS rows, with a problem line when there were more); ParseError when it is no table."""
    text = decode_csv(body)  # newline="" below: the csv module reads CRLF, LF and classic-Mac CR-only endings
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter)
    rows = []
    try:
        for row in reader:
            if len(rows) >= MAX_ROWS:
                context.problems.append(f"places CSV: only the first {MAX_ROWS:,} rows read")
                break
            rows.append({k.strip(): v.strip() for k, v in row.items() if k and isinstance(v, str) and v.strip()})
    except csv.Error as error:
        raise ParseError(f"not a places CSV: unreadable CSV ({error})") from None
    header = [column.strip() for column in reader.fieldnames or [] if column and column.strip()]
    if len(header) < 2 or not rows:
        raise ParseError("not a places CSV: no header with several columns and rows under it")
    return rows, header


def _link(value: str, base: str) -> str:
    """An absolute link; a bare domain as directories often write it ("www.club.org/join") gets https://."""
    if not value:
        return ""
    if re.match(r"^(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:[/?#]|$)", value, re.I):
        return safe_url(f"https://{value}")
    return safe_url(value, base)


@register("csv")
class PlacesCsvAdapter(Adapter):
    """One listing per row of a places table (clubs, centres, groups) in any CSV."""

    def parse(self, body: bytes, url: str = "", context: Context | None = None) -> list[Listing]:
        context = context or Context(url=url)
        rows, header = read_rows(body, context)
        columns = columns_for(context.mapping, header)
        if not columns["title"]:
            raise ParseError(f"not a places CSV: no name column (columns: {', '.join(header[:8])[:120]})")
        flags = category_columns(context.mapping, header)
        base = url or context.url
        return context.each(rows, lambda row: self._listing(row, columns, flags, base, context), "row")

    def _listing(self, row: dict, columns: dict, flags: dict, base: str, context: Context) -> Listing | None:
        def cell(name: str) -> str:
            return next((clean_text(row[c]) for c in columns[name] if clean_text(row.get(c))), "")

        title = cell("title")
        if not title:
            raise ValueError("row without a name")
        venue = venue_from_text(cell("address"))
        for name in ("street", "locality", "region", "postcode", "country"):
            setattr(venue, name, cell(name) or getattr(venue, name))
        venue.name = cell("venue_name") or venue.name
        venue.locality, venue.country = venue.locality or context.locality, venue.country or context.country
        kind = context.mapping.get("kind")
        description, markup = description_pair(cell("description"))
        key = cell("source_key")
        link = _link(cell("url"), base)
        if not link and context.mapping.get("url_template") and key:
            link = safe_url(str(context.mapping["url_template"]).replace("{source_key}", key))
        point = valid_point(cell("lat"), cell("lon"))
        named = [clean_text(row[c]) for c in columns["categories"] if clean_text(row.get(c))]
        flagged = [label for column, label in flags.items() if clean_text(row.get(column)).casefold() in YES]
        min_age = cell("min_age")
        listing = Listing(
            title=title,
            kind=kind if kind in KINDS else "club",
            kind_stated=kind in KINDS,
            description=description,
            description_html=markup,
            url=link,
            organizer=Organizer(name=cell("organizer"), url=safe_url(cell("organizer_url"), base)),
            venue=venue,
            lat=point[0] if point else None,
            lon=point[1] if point else None,
            online_url=safe_url(cell("online_url"), base),
            cost=cell("cost"),
            min_age=int(float(min_age)) if min_age.replace(".", "", 1).isdigit() else None,
            categories=split_categories([part for text in named for part in re.split(r"\s*[;|]\s*", text)] + flagged),
            image_url=safe_url(cell("image_url"), base),
            source_key=key or f"{title}|{venue.one_line()}",
        )
        listing.extra = {name: cell(name)[:MAX_EXTRA_CHARS] for name in ("phone", "email") if cell(name)}
        return listing

    @classmethod
    def sniff(cls, body: bytes, url: str) -> bool:
        """A CSV header with a name column and either an address or a latitude and a longitude column."""
        first = body[:4096].lstrip(b"\xef\xbb\xbf").splitlines()[:1]
        if not first or b"," not in first[0] or first[0].lstrip()[:1] in (b"{", b"[", b"<"):
            return False
        header = {_norm(c.strip(' "')) for c in first[0].decode("latin-1").split(",")}
        has = {name: bool(header & set(USUAL_COLUMNS[name])) for name in ("title", "address", "lat", "lon")}
        return has["title"] and (has["address"] or (has["lat"] and has["lon"]))
