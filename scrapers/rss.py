"""RSS/Atom feeds whose items carry event dates: the RSS-Event module (`ev:startdate`), xCal, or
The Events Calendar feeds (their pubDate is the event start). Items without dates are not events.

Per-source mapping: `pubdate_is_start = true` treats each item's published date as its start.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from scrapers import register
from scrapers.base import Adapter, Context, ParseError
from scrapers.listing import Listing, Venue
from scrapers.text import clean_text, description_pair, safe_url, split_categories
from scrapers.times import localize, parse_when

EVENT_NS = "http://purl.org/rss/1.0/modules/event/"
XCAL_NS = "urn:ietf:params:xml:ns:xcal"
# SIDEARM and others prefix titles with the date: "5/18 6:30 PM [L] Ole Miss Softball vs Arizona".
_DATE_PREFIX = re.compile(r"^\d{1,2}/\d{1,2}(?:/\d{2,4})?\s+(?:\d{1,2}(?::\d{2})?\s*[AP]M|TBA|TBD|All Day)?\s*", re.I)


def _prefix(namespaces: dict, uri: str, default: str) -> str:
    return next((p for p, u in namespaces.items() if u == uri and p), default)


def _local_offset(entry: dict, utc_start: datetime) -> timezone | None:
    """The event's UTC offset when the feed also gives floating local time (SIDEARM `s:localstartdate`)."""
    local = next((v for k, v in entry.items() if k.endswith("_localstartdate") and v), None)
    moment = parse_when(local) if local else None
    if moment is None:
        return None
    minutes = (
        round((moment.replace(tzinfo=None) - utc_start.astimezone(UTC).replace(tzinfo=None)).total_seconds() / 900) * 15
    )
    return timezone(timedelta(minutes=minutes)) if abs(minutes) < 15 * 60 else None


def _when(entry: dict, keys: dict, pubdate_is_start: bool):
    raw_start = entry.get(keys["start"]) or entry.get(keys["xstart"])
    raw_end = entry.get(keys["end"]) or entry.get(keys["xend"])
    if not raw_start and pubdate_is_start:
        raw_start = entry.get("published") or entry.get("updated")
    return raw_start, raw_end


def build(entry: dict, keys: dict, base: str, context: Context, pubdate_is_start: bool) -> Listing | None:
    raw_start, raw_end = _when(entry, keys, pubdate_is_start)
    start = parse_when(raw_start, context.timezone)
    if start is None:
        raise ValueError(f"start date {raw_start!r} is unreadable")
    end = parse_when(raw_end, context.timezone) if raw_end else None
    local = _local_offset(entry, start)
    start, zone_name = localize(start.astimezone(local) if local else start, context.timezone)
    if end is not None:
        end = end.astimezone(start.tzinfo)
    title = clean_text(_DATE_PREFIX.sub("", entry.get("title") or "")) or clean_text(entry.get("title"))
    description, description_html = description_pair((entry.get("summary") or "").replace("&amp;amp;", "&amp;"))
    location = clean_text(entry.get(keys["location"]) or entry.get(keys["xlocation"]) or "")
    occurrences = context.one_off(start, end)
    image = next(
        (e.get("href") for e in entry.get("enclosures", []) if str(e.get("type", "")).startswith("image/")), ""
    )
    url = safe_url(entry.get("link"), base)
    return Listing(
        title=title,
        description=description,
        description_html=description_html,
        url=url,
        venue=Venue(name=location),
        start=start,
        end=end,
        timezone=zone_name,
        occurrences=occurrences,
        categories=split_categories(t.get("term") for t in entry.get("tags", []) if t.get("term")),
        image_url=safe_url(image, base),
        source_key=entry.get("id") or url or f"{title}|{start.isoformat()}",
    )


def _is_tec_feed(feed, url: str) -> bool:
    links = [url] + [link.get("href", "") for link in feed.feed.get("links", [])]
    return any("/events/feed" in (link or "") for link in links)


@register("rss")
class RssAdapter(Adapter):
    """RSS/Atom items as events when the feed carries event dates; otherwise no listings and a problem."""

    def parse(self, body: bytes, url: str = "", context: Context | None = None) -> list[Listing]:
        context = context or Context(url=url)
        base = url or context.url
        import feedparser  # imported when a feed is read, not whenever adapters load (`finder parse`)

        feed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
        if not feed.get("version") and not feed.entries:
            reason = getattr(feed.get("bozo_exception"), "args", [""])[0] if feed.get("bozo") else ""
            raise ParseError(f"not an RSS or Atom feed{': ' + str(reason) if reason else ''}")
        namespaces = feed.get("namespaces", {})
        ev, xcal = _prefix(namespaces, EVENT_NS, "ev"), _prefix(namespaces, XCAL_NS, "xcal")
        keys = {
            "start": f"{ev}_startdate",
            "end": f"{ev}_enddate",
            "location": f"{ev}_location",
            "xstart": f"{xcal}_dtstart",
            "xend": f"{xcal}_dtend",
            "xlocation": f"{xcal}_location",
        }
        pubdate_is_start = bool(context.mapping.get("pubdate_is_start")) or _is_tec_feed(feed, base)
        dated = [e for e in feed.entries if _when(e, keys, pubdate_is_start)[0]]
        if feed.entries and not dated:
            context.problems.append("feed items carry no event dates (not an event feed): no listings")
        elif len(dated) < len(feed.entries):
            context.problems.append(f"{len(feed.entries) - len(dated)} feed items without event dates skipped")
        return context.each(dated, lambda e: build(e, keys, base, context, pubdate_is_start), "item")

    @classmethod
    def sniff(cls, body: bytes, url: str) -> bool:
        head = body[:2048].lstrip().lower()
        return b"<rss" in head or b"<rdf:rdf" in head or (b"<feed" in head and b"w3.org/2005/atom" in head)
