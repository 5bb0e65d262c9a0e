"""schema.org Events and Organizations in HTML pages (JSON-LD, microdata, RDFa) or in bare JSON-LD.

Per-source mapping: `ignore_offset = true` reads times as wall-clock time in the source's timezone
(for sites such as The Events Calendar pages that print local times with '+00:00').
"""

from __future__ import annotations

import re

import lxml.etree
import lxml.html

from scrapers import register
from scrapers.base import Adapter, Context, ParseError
from scrapers.decoding import decode_html
from scrapers.eventon import eventon_details
from scrapers.listing import Listing
from scrapers.page_zones import apply_page_times, page_times
from scrapers.schemaorg.build import club_listing, event_listing
from scrapers.schemaorg.nodes import from_microdata, from_rdfa, jsonld_nodes, lenient_json, types_of

EVENT_TYPES = {
    "Event",
    "BusinessEvent",
    "ChildrensEvent",
    "ComedyEvent",
    "CourseInstance",
    "DanceEvent",
    "DeliveryEvent",
    "EducationEvent",
    "EventSeries",
    "ExhibitionEvent",
    "Festival",
    "FoodEvent",
    "Hackathon",
    "LiteraryEvent",
    "MusicEvent",
    "PublicationEvent",
    "BroadcastEvent",
    "OnDemandEvent",
    "SaleEvent",
    "ScreeningEvent",
    "SocialEvent",
    "SportsEvent",
    "TheaterEvent",
    "VisualArtsEvent",
}
ORG_TYPES = {
    "Organization",
    "NGO",
    "SportsClub",
    "SportsOrganization",
    "SportsTeam",
    "PerformingGroup",
    "DanceGroup",
    "MusicGroup",
    "TheaterGroup",
    "Consortium",
    "Project",
    "ResearchProject",
    "CommunityHealth",
}
_START_OF_PAGE = re.compile(r"<!doctype|<html", re.I)
_SCHEMA_MARKERS = re.compile(
    rb"application/ld\+json|itemtype=[\"']?https?://schema\.org|vocab=[\"']?https?://schema\.org", re.I
)


def is_event(node: dict) -> bool:
    return any(
        t in EVENT_TYPES or (t.endswith("Event") and t != "Event" and not t.startswith("User")) for t in types_of(node)
    )


def find_events(nodes: list) -> list[dict]:
    """Event nodes anywhere in `nodes` (also nested, e.g. WebPage.mainEntity); sub-events kept separate."""
    found: list[dict] = []
    seen: set[int] = set()

    def walk(value, depth: int) -> None:
        if depth > 12 or id(value) in seen:
            return
        if isinstance(value, list):
            for item in value:
                walk(item, depth + 1)
        elif isinstance(value, dict):
            seen.add(id(value))
            if is_event(value):
                found.append(value)
                walk(value.get("subEvent"), depth + 1)
                return
            for item in value.values():
                walk(item, depth + 1)

    walk(nodes, 0)
    return found


def page_nodes(body: bytes | str, base: str, context: Context) -> list[tuple[str, list[dict]]]:
    """(syntax, schema.org nodes) of a page or JSON-LD document (bytes or decoded text); ParseError when it is
    neither."""
    text = decode_html(body)
    if text.lstrip()[:1] in ("{", "["):
        try:
            data = lenient_json(text)
        except ValueError as error:
            raise ParseError(f"JSON that does not read: {error}") from None
        nodes = [from_microdata(n) for n in (data if isinstance(data, list) else [data])]
        nodes = jsonld_nodes(nodes)
        if not nodes:
            keys = ", ".join(str(k) for k in (data if isinstance(data, dict) else {})) or "none"
            raise ParseError(f"not a listing source: JSON-LD without a @type (keys: {keys[:80]})")
        return [("json-ld", nodes)]
    start = _START_OF_PAGE.search(text)
    if start is None and not re.search(r"<[a-zA-Z][^>]*>", text):
        raise ParseError("not an HTML page or a JSON-LD document")
    text = text[start.start() :] if start else text
    try:
        tree = lxml.html.fromstring(text.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (lxml.etree.ParserError, ValueError) as error:
        raise ParseError(f"HTML that does not parse: {error}") from None
    groups = [("json-ld", _jsonld(tree, context))]
    if tree.xpath("//*[@itemscope]"):
        from extruct.w3cmicrodata import MicrodataExtractor  # extruct costs ~0.4 s to import: only when used

        groups.append(("microdata", [from_microdata(item) for item in MicrodataExtractor().extract_items(tree, base)]))
    if tree.xpath("//*[@typeof]"):
        groups.append(("rdfa", _rdfa(text, base, context)))
    return groups


def _jsonld(tree, context: Context) -> list[dict]:
    nodes = []
    scripts = [s for s in tree.iter("script") if (s.get("type") or "").strip().lower() == "application/ld+json"]
    for index, script in enumerate(scripts):
        try:
            nodes += jsonld_nodes(lenient_json(script.text or ""))
        except ValueError as error:
            context.problems.append(f"JSON-LD block {index}: unreadable even after removing comments ({error})")
    return nodes


def _rdfa(text: str, base: str, context: Context) -> list[dict]:
    from extruct.rdfa import RDFaExtractor  # extruct costs ~0.4 s to import: only when used
    from extruct.utils import parse_xmldom_html

    try:
        document = parse_xmldom_html(text.encode("utf-8"), "utf-8")
        return from_rdfa(RDFaExtractor().extract_items(document, base_url=base, expanded=True))
    except Exception as error:  # pyRdfa/rdflib raise many kinds; RDFa is optional, the page is not
        context.problems.append(f"RDFa unreadable: {type(error).__name__}: {error}")
        return []


def dedupe(listings: list[Listing]) -> list[Listing]:
    """One listing per event when two syntaxes (JSON-LD, microdata) describe it: same title and day."""
    kept: dict[tuple, list[Listing]] = {}
    result: list[Listing] = []
    for listing in listings:
        day = listing.start.isoformat()[:10] if listing.start else listing.url
        key = (listing.title.casefold(), day)
        twin = next((k for k in kept.get(key, []) if _same(k, listing)), None)
        if twin is not None:
            _fill(twin, listing)
        else:
            kept.setdefault(key, []).append(listing)
            result.append(listing)
    seen: dict[str, int] = {}
    for listing in result:
        key = listing.source_key or listing.url or listing.title
        seen[key] = seen.get(key, 0) + 1
    for listing in result:
        key = listing.source_key or listing.url or listing.title
        listing.source_key = f"{key}|{listing.start.isoformat()}" if seen[key] > 1 and listing.start else key
    return result


def _same(kept: Listing, other: Listing) -> bool:
    if kept.extra.get("syntax") != other.extra.get("syntax"):
        return True
    return kept.start == other.start and kept.url == other.url


def _fill(kept: Listing, other: Listing) -> None:
    for name in ("url", "image_url", "cost", "online_url", "source_key"):
        if not getattr(kept, name):
            setattr(kept, name, getattr(other, name))
    if len(other.description) > len(kept.description):
        kept.description, kept.description_html = other.description, other.description_html
    if kept.venue.is_empty():
        kept.venue = other.venue
    if kept.organizer.is_empty():
        kept.organizer = other.organizer
    if kept.lat is None and other.lat is not None:
        kept.lat, kept.lon = other.lat, other.lon
    if kept.free is None:
        kept.free = other.free
    kept.online = kept.online or other.online
    kept.categories = list(dict.fromkeys(kept.categories + other.categories))


def _tagged(listing: Listing, syntax: str) -> Listing:
    listing.extra["syntax"] = syntax
    return listing


@register("schemaorg")
class SchemaOrgAdapter(Adapter):
    """schema.org Event subtypes as events; Organization pages (no events) as club listings."""

    def parse(self, body: bytes, url: str = "", context: Context | None = None) -> list[Listing]:
        context = context or Context(url=url)
        base = url or context.url
        text = decode_html(body)
        groups = page_nodes(text, base, context)
        nodes = [node for _, found in groups for node in found]
        listings: list[Listing] = []
        for syntax, found in groups:
            built = context.each(find_events(found), lambda n: event_listing(n, base, context), f"{syntax} event")
            listings += [_tagged(listing, syntax) for listing in built]
        if listings:  # a zone the page states elsewhere, for bare times (EventOn cards carry UTC instants)
            cards = eventon_details(text, base) if "sunix" in text else None
            apply_page_times(listings, page_times(text, cards), context.timezone)
        events = listings or any(find_events(found) for _, found in groups)
        if not events:
            orgs = [n for n in nodes if set(types_of(n)) & ORG_TYPES]
            listings = context.each(orgs, lambda n: club_listing(n, base), "organization")
        if not nodes:  # the same refusal whichever way the page came here (detection or --format)
            context.refuse("an HTML page without structured event data (no JSON-LD, microdata or RDFa)")
        elif not events and not listings:
            found = sorted({t for n in nodes for t in types_of(n)}) or ["untyped nodes"]
            context.refuse(f"schema.org {', '.join(found[:5])}, no Event or Organization")
        return dedupe(listings)

    @classmethod
    def sniff(cls, body: bytes, url: str) -> bool:
        head = body[:200_000]
        if head.lstrip()[:1] in (b"{", b"["):
            if b"/wp-json/tribe/" in head:
                return False
            return (b'"@context"' in head and b"schema.org" in head) or b'"http://schema.org/' in head[:2000]
        return bool(_SCHEMA_MARKERS.search(head))
