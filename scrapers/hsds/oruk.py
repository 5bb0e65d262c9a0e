"""Open Referral UK (the HSDS UK profile, API v1) read as HSDS 3: the normalisation and the paging.

ORUK v1 `/services` answers a Spring-style page `{"content": [...], "totalElements", "totalPages",
"number", "size", "first", "last"}` (often with a UTF-8 BOM). Its services differ from HSDS 3 in
names: `eligibilitys` (eligibility, minimum_age, maximum_age), `regular_schedules` (opens_at,
closes_at, byday, freq, dtstart/valid_from...), `service_taxonomys[].taxonomy`, `languages[].language`,
`organization.url`; locations carry `physical_addresses`, `accessibility_for_disabilities` and, in
some implementations, a GeoJSON point (`[lon, lat]`) instead of latitude/longitude.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapers.text import clean_text

GEOJSON_KEYS = ("geometry", "point", "geo", "location")


def _list(value) -> list:
    """`value` when the feed gave a list, else none: a malformed field is read as absent, never iterated."""
    return value if isinstance(value, list) else []


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def is_oruk_service(item: dict) -> bool:
    return any(key in item for key in ("eligibilitys", "regular_schedules", "service_taxonomys")) or any(
        isinstance(link, dict) and isinstance(link.get("location"), dict) and "physical_addresses" in link["location"]
        for link in _list(item.get("service_at_locations"))
    )


def geojson_point(node: dict) -> tuple | None:
    """(lat, lon) from a GeoJSON Point under one of GEOJSON_KEYS (coordinates are [lon, lat])."""
    for key in GEOJSON_KEYS:
        value = node.get(key)
        if isinstance(value, dict) and str(value.get("type", "")).lower() == "point":
            coordinates = value.get("coordinates")
            if isinstance(coordinates, list) and len(coordinates) >= 2:
                return coordinates[1], coordinates[0]
    return None


def _location(location: dict) -> dict:
    out = dict(location)
    if "addresses" not in out and isinstance(location.get("physical_addresses"), list):
        out["addresses"] = [
            {**a, "address_type": "physical"} for a in location["physical_addresses"] if isinstance(a, dict)
        ]
    if out.get("latitude") in (None, "") or out.get("longitude") in (None, ""):
        point = geojson_point(location)
        if point is not None:
            out["latitude"], out["longitude"] = point
    if "accessibility" not in out and isinstance(location.get("accessibility_for_disabilities"), list):
        out["accessibility"] = [
            {"description": a.get("accessibility", "")}
            for a in location["accessibility_for_disabilities"]
            if isinstance(a, dict)
        ]
    return out


def oruk_service(service: dict) -> dict:
    """The ORUK service with its HSDS 3 names filled in (the ORUK ones stay)."""
    out = dict(service)
    rules = [e for e in _list(service.get("eligibilitys")) if isinstance(e, dict)]
    if rules and not out.get("eligibility_description"):
        out["eligibility_description"] = "; ".join(
            clean_text(e.get("eligibility")) for e in rules if e.get("eligibility")
        )
    minimums = [e.get("minimum_age") for e in rules if _number(e.get("minimum_age")) is not None]
    maximums = [e.get("maximum_age") for e in rules if _number(e.get("maximum_age")) is not None]
    if minimums and out.get("minimum_age") in (None, ""):
        out["minimum_age"] = min(minimums, key=_number)
    if maximums and out.get("maximum_age") in (None, ""):
        out["maximum_age"] = max(maximums, key=_number)
    if not out.get("schedules") and _list(service.get("regular_schedules")):
        out["schedules"] = [s for s in service["regular_schedules"] if isinstance(s, dict)]
    if not out.get("attributes") and _list(service.get("service_taxonomys")):
        out["attributes"] = [
            {"taxonomy_term": t["taxonomy"]}
            for t in service["service_taxonomys"]
            if isinstance(t, dict) and isinstance(t.get("taxonomy"), dict)
        ]
    languages = service.get("languages")
    if isinstance(languages, list) and languages and isinstance(languages[0], dict) and "language" in languages[0]:
        out["languages"] = [{"name": item.get("language")} for item in languages if isinstance(item, dict)]
    organization = service.get("organization")
    if isinstance(organization, dict) and not organization.get("website") and organization.get("url"):
        out["organization"] = {**organization, "website": organization["url"]}
    out["service_at_locations"] = [
        {**link, "location": _location(link["location"])}
        if isinstance(link, dict) and isinstance(link.get("location"), dict)
        else link
        for link in _list(service.get("service_at_locations"))
    ]
    return out


def next_page(data: dict, url: str) -> str | None:
    """The page after a Spring-style page: `page=number+1`, unless `last`, an empty page or the last number."""
    if data.get("last") is True or not data.get("content"):
        return None
    try:
        number, total = int(data.get("number", 0)), int(data.get("totalPages", 0))
    except (TypeError, ValueError):
        return None
    zero_based = data.get("first") is True and number == 0
    if "last" not in data and total and (number + 1 >= total if zero_based else number >= total):
        return None
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query["page"] = str(number + 1)
    return urlunsplit(parts._replace(query=urlencode(query)))
