"""Field-level work of the importer: one parsed item prepared once, then written onto a `Listing`
(all fields for its primary source, blanks only for the others), its occurrences, tags and organisation."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from finder import ranking
from finder.identity import (
    as_utc,
    content_hash,
    local_day,
    match_title,
    merge_group,
    organization_key,
    status_from_text,
    venue_identity,
)
from finder.ingest.organizations import OrgCache
from finder.models import Listing, Occurrence, Source, Tag
from finder.tags import Vocabulary

MAX_EXTRA_KEYS = 30  # a listing's kept source fields: enough for OpenActive's dozen, not a copy of the feed
MAX_EXTRA_BYTES = 4_000  # of JSON (UTF-8)


@dataclass
class PreparedItem:
    item: object  # scrapers Listing
    source: Source
    status: str
    tags: list[str]
    hash: str
    tz: str | None
    start_utc: datetime | None
    end_utc: datetime | None
    first_day: str
    match_title: str
    occurrences: list[tuple[datetime, datetime | None, str]]
    next_start: datetime | None
    org_key: str
    venue_key: str
    lat: float | None = None
    lon: float | None = None
    precision: str | None = None
    geocoded: bool = field(default=False, repr=False)

    def geocode(self, resolver) -> None:
        """Coordinates from the gazetteer when the source gave none (once; skipped without a resolver)."""
        if self.geocoded or self.lat is not None or resolver is None:
            return
        self.geocoded = True
        item = self.item
        if item.online and item.venue.is_empty():
            return
        from finder.geo import geocode_listing

        defaults = {"locality": self.source.locality, "region": self.source.region, "country": self.source.country}
        found = geocode_listing(resolver, item, defaults)
        if found is not None:
            self.lat, self.lon, self.precision = found


def prepare(item, source: Source, vocabulary: Vocabulary, now: datetime) -> PreparedItem:
    """Everything derived from one parsed item, computed once."""
    text = f"{item.title}\n{item.description}"
    slugs = vocabulary.tags_for(item.categories, text)
    slugs += [s for s in item.tags if s in vocabulary and s not in slugs]  # the source's tags are among them
    status = status_from_text(item.status, item.title, item.description)
    tz = item.timezone  # the source's zone already filled in (finder.ingest.defaults)
    occurrences = _occurrences(item, tz)
    upcoming = [start for start, end, state in occurrences if state == "scheduled" and (end or start) >= now]
    has_coordinates = item.lat is not None
    return PreparedItem(
        item=item,
        source=source,
        status=status,
        tags=slugs,
        hash=content_hash(item, slugs, status),
        tz=tz,
        start_utc=as_utc(item.start, tz),
        end_utc=as_utc(item.end, tz),
        first_day=local_day(item.start, tz),
        match_title=match_title(item.title),
        occurrences=occurrences,
        next_start=min(upcoming) if upcoming else None,
        org_key=organization_key(item.organizer.name, item.organizer.url) if item.organizer.name else "",
        venue_key=venue_identity(item.venue.name, item.venue.street, item.venue.locality),
        lat=item.lat,
        lon=item.lon,
        precision="source" if has_coordinates else None,
    )


def _occurrences(item, tz: str | None) -> list[tuple[datetime, datetime | None, str]]:
    found: dict[datetime, tuple] = {}
    for occurrence in item.occurrences:
        start = as_utc(occurrence.start, tz)
        found.setdefault(start, (start, as_utc(occurrence.end, tz), occurrence.status))
    if not found and item.start is not None and not item.recurrence:
        start = as_utc(item.start, tz)
        found[start] = (start, as_utc(item.end, tz), "scheduled")
    return sorted(found.values(), key=lambda o: o[0])


def apply_fields(listing: Listing, p: PreparedItem, orgs: OrgCache) -> None:
    """Write every field the source gives onto `listing` (the primary source's view)."""
    for name, value in listing_values(p).items():
        setattr(listing, name, value)
    listing.organization = orgs.get(p.item.organizer.name, p.item.organizer.url)


def listing_values(p: PreparedItem) -> dict:
    """The listing's column values from one source's item (organisation and bookkeeping aside)."""
    item = p.item
    venue = item.venue
    text = f"{item.title}\n{item.description}"
    newcomer = ranking.newcomer_signals(text)
    values = {
        "kind": item.kind,
        "title": item.title.strip()[:500],
        "description": item.description,
        "description_html": item.description_html,
        "url": item.url,
        "image_url": item.image_url,
        "organizer_name": item.organizer.name[:300],
        "organizer_url": item.organizer.url,
        "venue_name": venue.name[:300],
        "street": venue.street[:300],
        "locality": venue.locality[:200],
        "region": venue.region[:200],
        "postcode": venue.postcode[:20],
        "country": _country(venue.country) or _country(p.source.country),
        "lat": p.lat,
        "lon": p.lon,
        "geo_precision": p.precision,
        "online": item.online,
        "online_url": item.online_url,
        "cost": item.cost[:200],
        "free": item.free,
        "wheelchair": "wheelchair" in item.accessibility,
        "sign_language": "sign_language" in item.accessibility,
        "min_age": item.min_age,
        "timezone": p.tz[:64] if p.tz else None,
        "all_day": item.all_day,
        "start": p.start_utc,
        "end": p.end_utc,
        "recurrence": item.recurrence,
        "recurrence_text": item.recurrence_text[:200],
        "exdates": list(item.exdates),
        "next_start": p.next_start,
        "status": p.status,
        "categories": list(item.categories),
        "extra": stored_extra(item.extra),
        "match_title": p.match_title,
        "first_day": p.first_day,
        "merge_group": merge_group(p.first_day, p.match_title),
        "newcomer_friendly": newcomer,
        "connection_score": ranking.connection_potential(
            recurring=ranking.recurrence_kind(item.recurrence, item.recurrence_text),
            in_person=not item.online or not venue.is_empty(),
            newcomer=newcomer,
            small_group=ranking.small_group_signals(text),
        ),
    }
    for audience in ("kids", "teens", "seniors", "families", "groups"):
        values[f"for_{audience}"] = audience in item.audience
    return values


def stored_extra(extra: dict) -> dict:
    """The fields an adapter kept in `Listing.extra` (a phone, OpenActive's level or leader...) as stored: JSON
    values only, keys as text (at most 100 characters), at most MAX_EXTRA_KEYS keys and MAX_EXTRA_BYTES of
    JSON. A key that would pass the limit is left out whole (never a cut value); the adapter's order is kept."""
    kept: dict = {}
    for key, value in (extra or {}).items():
        if len(kept) >= MAX_EXTRA_KEYS:
            break
        candidate = {**kept, str(key)[:100]: value}
        try:
            text = json.dumps(candidate, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError):  # a datetime, a set, NaN: not a value the API can give back as it is
            continue
        if len(text.encode()) <= MAX_EXTRA_BYTES:
            kept = json.loads(text)
    return kept


def fill_blanks(listing: Listing, p: PreparedItem, orgs: OrgCache) -> None:
    """What a second source adds to a merged listing: only fields the listing lacks."""
    item = p.item
    for name, value in (
        ("description", item.description),
        ("description_html", item.description_html),
        ("url", item.url),
        ("image_url", item.image_url),
        ("organizer_name", item.organizer.name[:300]),
        ("organizer_url", item.organizer.url),
        ("venue_name", item.venue.name[:300]),
        ("street", item.venue.street[:300]),
        ("postcode", item.venue.postcode[:20]),
        ("cost", item.cost[:200]),
        ("online_url", item.online_url),
    ):
        if value and not getattr(listing, name):
            setattr(listing, name, value)
    if listing.lat is None and p.lat is not None:
        listing.lat, listing.lon, listing.geo_precision = p.lat, p.lon, p.precision
    if listing.free is None and item.free is not None:
        listing.free = item.free
    if listing.organization is None:
        listing.organization = orgs.get(item.organizer.name, item.organizer.url)


def set_tags(listing: Listing, slugs: list[str], rows: dict[str, Tag], keep: bool = False) -> None:
    """Replace the listing's tags with `slugs` (or add them to the current ones when `keep`)."""
    wanted = {s for s in slugs if s in rows}
    current = {tag.slug for tag in listing.tags}
    if keep:
        wanted |= current
    if wanted != current:
        listing.tags = [rows[s] for s in sorted(wanted)]


def sync_occurrences(listing: Listing, p: PreparedItem) -> None:
    """The listing's occurrences made equal to the prepared ones (rows kept where the start is the same)."""
    all_day = p.item.all_day
    existing = {occurrence.start: occurrence for occurrence in listing.occurrences}
    keep = []
    for start, end, status in p.occurrences:
        row = existing.pop(start, None)
        if row is None:
            row = Occurrence(start=start, end=end, status=status, all_day=all_day)
        else:
            row.end, row.status, row.all_day = end, status, all_day
        keep.append(row)
    for gone in existing.values():
        listing.occurrences.remove(gone)
    for row in keep:
        if row not in listing.occurrences:
            listing.occurrences.append(row)


def _country(value: str) -> str:
    value = (value or "").strip()
    return value.upper() if len(value) == 2 and value.isalpha() else ""
