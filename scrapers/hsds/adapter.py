"""Open Referral HSDS community services → "service" listings.

Reads HSDS 3 JSON (`service_full`, `organization_full` → one listing per service, a bare
`location`, `service_at_location`, and API pages `{"contents": [...], "page_number", "total_pages"}`),
legacy Ohana/211 JSON (organization → locations[] with `services_attributes`, free-text `hours`),
the tabular form (one CSV table, or a zipped package of tables, any encoding), and Open Referral
UK v1 pages `{"content": [...], "number", "totalPages", "last"}` (see scrapers/hsds/oruk.py).
Schedules with a `dtstart` become a recurrence; others become `recurrence_text`.
An OpenAPI spec, or a CSV table that holds no services (schedules.csv alone), is not a listing
source: ParseError.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapers import register
from scrapers.base import Adapter, Context, ParseError, json_document
from scrapers.decoding import decode_body
from scrapers.hsds.listing import location_listing, ohana_listings, service_listing
from scrapers.hsds.oruk import is_oruk_service, next_page, oruk_service
from scrapers.hsds.tabular import nest_services, read_csv, read_package, table_name
from scrapers.listing import Listing
from scrapers.text import json_object

ZIP_MAGIC = b"PK\x03\x04"


def _kind_of(item: dict) -> str:
    """Which HSDS object a JSON dict is."""
    legacy_place = "address" in item or "address_attributes" in item or "services_attributes" in item
    if legacy_place and ("services" in item or "services_attributes" in item):
        return "ohana_location"
    if isinstance(item.get("services"), list):
        return "organization"
    if isinstance(item.get("locations"), list):
        return "ohana_organization"
    if isinstance(item.get("service"), dict):
        return "service_at_location"
    if "location_type" in item or "addresses" in item or "address_attributes" in item:
        return "location"
    if item.get("name") and any(k in item for k in ("service_at_locations", "organization", "schedules", "status")):
        return "service"
    return "other"


@register("hsds")
class HsdsAdapter(Adapter):
    def parse(self, body: bytes, url: str = "", context: Context | None = None) -> list[Listing]:
        context = context or Context(url=url)
        if body.startswith(ZIP_MAGIC):
            tables, problems = read_package(body, context.max_bytes)
            context.problems += problems
            if not tables.get("services"):
                raise ParseError(
                    f"HSDS package without a services table (tables: {', '.join(sorted(tables)) or 'none'})"
                )
            return context.each(nest_services(tables), lambda s: service_listing(s, None, context), "hsds service")
        text = decode_body(body).lstrip()
        if text[:1] in ("{", "["):
            data = json_document(body, "HSDS JSON")
            return self._json(data, context)
        return self._csv(body, context)

    def _json(self, data, context: Context) -> list[Listing]:
        if isinstance(data, dict) and ("openapi" in data or "swagger" in data):
            raise ParseError("an OpenAPI specification, not HSDS data")
        if isinstance(data, dict) and isinstance(data.get("contents"), list):
            data = data["contents"]
        elif isinstance(data, dict) and isinstance(data.get("content"), list):  # Open Referral UK v1 pages
            data = data["content"]
        if isinstance(data, list) and data and all(isinstance(i, dict) and "isServicesValid" in i for i in data):
            raise ParseError("an Open Referral UK dashboard (it lists council directories, not services)")
        data = (
            [
                oruk_service(i) if isinstance(i, dict) and is_oruk_service(i) else i
                for i in (data if isinstance(data, list) else [data])
            ]
            if data
            else data
        )
        items = [item for item in (data if isinstance(data, list) else [data]) if isinstance(item, dict)]
        kinds = [_kind_of(item) for item in items]
        if items and all(kind == "other" for kind in kinds):
            raise ParseError("JSON without HSDS services, organizations or locations")
        if not items and not isinstance(data, list):
            raise ParseError("not HSDS JSON")
        listings: list[Listing] = []
        for item, kind in zip(items, kinds, strict=True):
            if kind == "organization":
                services = item["services"]
                listings += context.each(services, lambda s, org=item: service_listing(s, org, context), "hsds service")
            elif kind == "ohana_organization":
                listings += ohana_listings(item, context)
            elif kind == "ohana_location":
                org = item.get("organization") if isinstance(item.get("organization"), dict) else {}
                listings += ohana_listings({"name": org.get("name", ""), "locations": [item]}, context)
            elif kind == "service":
                listings += context.each([item], lambda s: service_listing(s, None, context), "hsds service")
            elif kind == "service_at_location":
                link = {**item["service"], "service_at_locations": [item]}
                listings += context.each([link], lambda s: service_listing(s, None, context), "hsds service")
            elif kind == "location":
                listings += context.each([item], lambda loc: location_listing(loc, context), "hsds location")
            else:
                context.problems.append(f"hsds item without services or locations skipped: {sorted(item)[:5]}")
        return listings

    def _csv(self, body: bytes, context: Context) -> list[Listing]:
        rows, problems = read_csv(body)
        context.problems += problems
        name = table_name(set().union(*rows))
        if name == "services":
            return context.each(
                nest_services({"services": rows}), lambda s: service_listing(s, None, context), "hsds service"
            )
        if name == "locations":
            return context.each(rows, lambda loc: location_listing(loc, context), "hsds location")
        raise ParseError(f"an HSDS {name} table holds no services: read services.csv or the whole package (zip)")

    def next_url(self, body: bytes, url: str) -> str | None:
        """The next page of an HSDS API answer (`page_number` < `total_pages`)."""
        data = json_object(body)
        if isinstance(data.get("content"), list):
            return next_page(data, url)
        if not isinstance(data.get("contents"), list) or data.get("last_page"):
            return None
        try:
            page, total = int(data.get("page_number", 1)), int(data.get("total_pages", 1))
        except (TypeError, ValueError):
            return None
        if page >= total or not data["contents"]:
            return None
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        query["page"] = str(page + 1)
        return urlunsplit(parts._replace(query=urlencode(query)))

    @classmethod
    def sniff(cls, body: bytes, url: str) -> bool:
        head = body[:65536]
        markers = (
            b'"service_at_locations"',
            b'"regular_schedules"',
            b'"eligibilitys"',
            b'"isServicesValid"',
            b'"services_attributes"',
            b'"location_type"',
            b'"eligibility_description"',
        )
        first_line = head.split(b"\n", 1)[0]
        csv_columns = (b"organization_id", b"service_id", b"location_type", b"opens_at")
        return (
            any(marker in head for marker in markers)
            or (head[:4] == ZIP_MAGIC and url.endswith(".zip"))
            or (b"," in first_line and any(column in first_line for column in csv_columns))
        )
