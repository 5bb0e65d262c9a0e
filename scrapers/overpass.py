"""OpenStreetMap Overpass JSON (`[out:json]` ... `out center;`) for clubs and community places.

An element becomes a "club" listing when it has a name and one of COMMUNITY_TAGS (a catalogue
`mapping` may add more as `{"match": ["leisure=sports_centre", "amenity=library"]}`); untagged
geometry nodes and other features are skipped. Nodes carry lat/lon, ways and relations a `center`.
Elements are de-duplicated by type + id (a node and a way may share an id).
A 200 answer whose `remark` reports an error (e.g. "runtime error: Query timed out") is a failed
run, not "no clubs": ParseError. So is Overpass's HTML error page.
"""

from __future__ import annotations

import re

from scrapers import register
from scrapers.base import Adapter, Context, ParseError, json_document
from scrapers.decoding import decode_body
from scrapers.hints import valid_point
from scrapers.listing import Listing, Venue
from scrapers.text import clean_text, description_pair, html_to_text, safe_url

COMMUNITY_TAGS = {
    "club": "*",
    "amenity": {"community_centre", "social_centre", "social_club", "club", "youth_centre", "scout_hut"},
    "leisure": {"hackerspace", "social_club", "adult_gaming_centre"},
    "community_centre": "*",
    "office": {"association", "ngo", "charity", "club"},
    "building": {"community_centre"},
    "social_facility": {"outreach", "food_bank", "soup_kitchen"},
}
NUMBER_FIRST = {"US", "CA", "GB", "UK", "IE", "AU", "NZ", "FR", "ZA", "IN", "PH", "SG", "MY"}
_ERROR_REMARK = re.compile(r"error|timed out|out of memory|too many", re.IGNORECASE)


def _matchers(mapping: dict) -> dict[str, object]:
    rules: dict[str, object] = {
        key: (set(value) if isinstance(value, set) else value) for key, value in COMMUNITY_TAGS.items()
    }
    for spec in mapping.get("match") or []:
        key, _, value = str(spec).partition("=")
        if not value or value == "*":
            rules[key] = "*"
        elif rules.get(key) != "*":
            rules[key] = set(rules.get(key) or set()) | {value}
    return rules


def _matched(tags: dict, rules: dict) -> list[tuple[str, str]]:
    found = []
    for key, allowed in rules.items():
        value = tags.get(key)
        if value and (allowed == "*" or value in allowed):
            found.append((key, value))
    return found


def _website(tags: dict) -> str:
    for key in ("website", "contact:website", "url"):
        value = (tags.get(key) or "").split(";")[0].strip()
        if value and "://" not in value and "." in value:
            value = f"https://{value}"
        if safe_url(value):
            return safe_url(value)
    return ""


def _venue(tags: dict) -> Venue:
    country = clean_text(tags.get("addr:country"))
    number, street = (
        clean_text(tags.get("addr:housenumber")),
        clean_text(tags.get("addr:street") or tags.get("addr:place")),
    )
    if tags.get("addr:full"):
        line = clean_text(tags["addr:full"])
    else:
        parts = [number, street] if country.upper() in NUMBER_FIRST else [street, number]
        line = " ".join(p for p in parts if p)
    return Venue(
        name=clean_text(tags.get("name")),
        street=line,
        locality=clean_text(tags.get("addr:city") or tags.get("addr:town") or tags.get("addr:village")),
        region=clean_text(tags.get("addr:state") or tags.get("addr:province")),
        postcode=clean_text(tags.get("addr:postcode")),
        country=country,
    )


def check_answer(body: bytes) -> list:
    """The `elements` of an Overpass JSON answer; ParseError for error pages and error remarks."""
    text = decode_body(body).lstrip()
    if text.startswith("<"):
        message = html_to_text(text)
        detail = re.search(r"Error:?\s*(.+)", message)
        reason = detail.group(1).strip() if detail else "an HTML/XML page, not [out:json] output"
        raise ParseError(f"Overpass error page: {reason[:200]}")
    data = json_document(body, "an Overpass answer")
    if not isinstance(data, dict) or not isinstance(data.get("elements"), list):
        raise ParseError("not an Overpass JSON answer (no elements list)")
    remark = clean_text(data.get("remark"))
    if remark and _ERROR_REMARK.search(remark):
        raise ParseError(f"Overpass run failed: {remark[:200]}")
    return data["elements"]


@register("overpass")
class OverpassAdapter(Adapter):
    def parse(self, body: bytes, url: str = "", context: Context | None = None) -> list[Listing]:
        context = context or Context(url=url)
        elements = check_answer(body)
        rules = _matchers(context.mapping)
        seen: set[tuple[str, str]] = set()
        unique = []
        for element in elements:
            if not isinstance(element, dict):
                continue
            key = (str(element.get("type")), str(element.get("id")))
            if key not in seen:
                seen.add(key)
                unique.append(element)
        return context.each(unique, lambda element: self._listing(element, rules, context), "osm element")

    def _listing(self, element: dict, rules: dict, context: Context) -> Listing | None:
        tags = element.get("tags") or {}
        matched = _matched(tags, rules)
        name = clean_text(tags.get("name") or tags.get("official_name"))
        if not matched or not name:
            return None
        kind, osm_id = element["type"], element["id"]
        center = element.get("center") or {}
        point = valid_point(element.get("lat", center.get("lat")), element.get("lon", center.get("lon")))
        osm_url = f"https://www.openstreetmap.org/{kind}/{osm_id}" if kind in ("node", "way", "relation") else ""
        text, markup = description_pair(tags.get("description"))
        categories = [value.replace("_", " ") for _, value in matched]
        categories += [value.replace("_", " ") for value in (tags.get("sport") or "").split(";") if value]
        venue = _venue(tags)
        listing = Listing(
            title=name,
            kind="club",
            description=text,
            description_html=markup,
            url=_website(tags) or osm_url,
            venue=venue,
            lat=point[0] if point else None,
            lon=point[1] if point else None,
            accessibility=["wheelchair"] if tags.get("wheelchair") in ("yes", "designated") else [],
            categories=list(dict.fromkeys(c for c in categories if c)),
            source_key=f"{kind}/{osm_id}",
            extra={"osm_url": osm_url} if osm_url else {},
        )
        if not venue.locality and context.locality:
            venue.locality = context.locality
        for key in (
            "opening_hours",
            "phone",
            "contact:phone",
            "email",
            "contact:email",
            "wheelchair",
            "wheelchair:description",
        ):
            if tags.get(key):
                listing.extra[key.replace("contact:", "").replace(":", "_")] = tags[key]
        return listing

    @classmethod
    def sniff(cls, body: bytes, url: str) -> bool:
        head = body[:1500]
        return b'"osm3s"' in head or b"Overpass API" in head or b"OSM3S Response" in head
