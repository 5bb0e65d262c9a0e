"""`run_search`: place → plan → SQL page → listings with distance, next start, score and reasons."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from finder import reasons as reasoning
from finder.geo import fold
from finder.index import FLAG_BITS, TIME_BITS
from finder.models import Listing
from finder.ongoing import is_ongoing
from finder.search.page_orm import load_listings as _load
from finder.search.page_rows import PageListing, load_page
from finder.search.query import MAX_TERMS, PlaceError, QueryError, SearchQuery
from finder.search.sql import Plan, execute

DAY_BITS = {name: 1 << i for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}
FAR_FUTURE = datetime(9000, 1, 1, tzinfo=UTC)
# A same-named place with at least 1/3 of the best one's population makes the name ambiguous.
AMBIGUOUS_POPULATION_RATIO = 3


@dataclass
class SearchResult:
    listing: Listing | PageListing  # PageListing (plain values) when run_search was asked for `plain` rows
    distance_km: float | None
    next_start: datetime | None
    score: float
    reasons: list[reasoning.Reason]  # words at the edge: reasoning.english (API), the site's reason_words
    matched_tags: list[str] = field(default_factory=list)


@dataclass
class SearchPage:
    total: int
    page: int
    per_page: int
    place: dict | None
    results: list[SearchResult]


def run_search(
    session: Session,
    query: SearchQuery,
    resolver=None,
    *,
    now: datetime | None = None,
    tz_name: str = "UTC",
    plain: bool = False,
) -> SearchPage:
    """One ranked page for `query`; raises PlaceError when `where` names no place or several.

    `plain`: results carry `PageListing` values (the fields the API and the reasons read) instead of ORM
    listings, for a fraction of the CPU time; pages that render more of a listing keep the default."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    place = resolve_place(query, resolver)
    if place is not None:
        query = query.with_point(place["lat"], place["lon"])
    plan = make_plan(query, now, tz_name)
    rows, total = execute(session, plan)
    load = load_page if plain else _load
    listings = load(session, [r[0] for r in rows], with_occurrences=plan.window is not None)
    results = []
    for listing_id, distance_km, score in rows:
        listing = listings.get(listing_id)
        if listing is not None:
            results.append(_result(listing, distance_km, score, plan, query, now))
    return SearchPage(total=total, page=query.page, per_page=query.per_page, place=place, results=results)


def resolve_place(query: SearchQuery, resolver) -> dict | None:
    """{name, lat, lon, precision} of the query's place, or None when it has none."""
    if query.has_point:
        return {
            "name": query.where or f"{query.lat:.5f}, {query.lon:.5f}",
            "lat": query.lat,
            "lon": query.lon,
            "precision": "point",
        }
    if not query.where:
        return None
    if resolver is None:
        raise PlaceError("place names cannot be looked up here (no gazetteer); give lat and lon")
    try:
        found = resolver.resolve(query.where)
    except ValueError as error:  # the geocoder's PlaceQueryError: text that cannot be a place
        raise QueryError("where", str(error)) from None
    if found is None:
        raise PlaceError(f"no place called {query.where!r} is known")
    namesakes = [p for p in found.alternatives or [] if _same_name(p.name, found.name)]
    rivals = [p for p in namesakes if p.population * AMBIGUOUS_POPULATION_RATIO >= found.population]
    if rivals:  # a choice to make: a metropolis's district of that name is one of the choices (London's Richmond)
        rivals = [p for p in namesakes if p in rivals or getattr(p, "metropolis", "")]
    if rivals and "," not in query.where:  # "Springfield, Illinois" already chose one
        raise PlaceError(f"{query.where!r} names several places; pick one", [_label(p) for p in [found, *rivals]][:8])
    place = {"name": found.name, "lat": found.lat, "lon": found.lon, "precision": found.precision}
    if getattr(found, "attribution", ""):  # an online geocoder's answer carries its provider's credit
        place["attribution"] = found.attribution
    return place


def _same_name(a: str, b: str) -> bool:
    return fold(a.split(",")[0]) == fold(b.split(",")[0])


def _label(place) -> str:
    if "," in place.name:
        return place.name
    parts = [place.name, getattr(place, "region", "") or "", getattr(place, "country", "") or ""]
    return ", ".join(p for p in parts if p)


def make_plan(query: SearchQuery, now: datetime, tz_name: str) -> Plan:
    """The SQL plan of a query; scores use `now` rounded down to the minute, so answers can be reused."""
    from finder.tags import STOPWORDS, load_vocabulary

    read = load_vocabulary().read_interests(", ".join(query.interests))
    slugs, leftovers = read.slugs, read.leftovers
    terms = [w for w in dict.fromkeys(fold(query.q).split()) if w not in STOPWORDS][:MAX_TERMS]
    if query.q and not terms:
        terms = fold(query.q).split()[:MAX_TERMS]
    must = (FLAG_BITS["free"] if query.free else 0) | (FLAG_BITS["newcomer"] if query.newcomer else 0)
    must |= FLAG_BITS["recurring"] if query.recurring else 0
    for flag in read.flags:  # typed words that ask for a filter ("new to Portland": newcomer)
        must |= FLAG_BITS[flag]
    for need in query.access:
        must |= FLAG_BITS[need]
    return Plan(
        now_epoch=math.floor(now.timestamp() / 60) * 60.0,
        lat=query.lat,
        lon=query.lon,
        radius_km=query.radius_km,
        kinds=query.kinds,
        must_flags=must,
        any_flags=sum(FLAG_BITS[a] for a in query.audience),
        days_mask=sum(DAY_BITS[d] for d in query.days),
        times_mask=sum(TIME_BITS[t] for t in query.times),
        online=query.online,
        tags=slugs[:MAX_TERMS],
        interest_words=[t for w in leftovers for t in fold(w).split()][:MAX_TERMS],
        terms=terms,
        title_terms=[title_stem(w) for w in terms + [w for w in leftovers if w not in terms]][:MAX_TERMS],
        window=window(query, now, _zone(tz_name)),
        sort=query.sort,
        limit=query.per_page,
        offset=(query.page - 1) * query.per_page,
    )


SUFFIXES = ("ings", "ing", "ers", "er", "es", "s", "ed")


def title_stem(word: str) -> str:
    """A crude stem ("gardening" -> "garden") looked for at word starts in titles, for text relevance."""
    word = fold(word)
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def window(query: SearchQuery, now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    """The [from, to) date window of the query in UTC, or None for any time."""
    today = now.astimezone(zone).date()
    if query.date_from or query.date_to:
        start = _midnight(query.date_from, zone) if query.date_from else now
        end = _midnight(query.date_to + timedelta(days=1), zone) if query.date_to else FAR_FUTURE
        return start, end
    if query.when == "today":
        return _midnight(today, zone), _midnight(today + timedelta(days=1), zone)
    if query.when == "weekend":
        saturday = today + timedelta(days=(5 - today.weekday()) % 7) if today.weekday() < 5 else today
        if today.weekday() == 6:
            saturday = today - timedelta(days=1)
        return max(_midnight(saturday, zone), now), _midnight(saturday + timedelta(days=2), zone)
    if query.when == "week":
        return now, now + timedelta(days=7)
    if query.when == "month":
        return now, now + timedelta(days=30)
    return None


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError, OSError):
        return ZoneInfo("UTC")


def next_start(listing: Listing, now: datetime, plan_window: tuple | None) -> datetime | None:
    """The first scheduled start not yet over (inside the window when there is one)."""
    if plan_window is None and (listing.next_start is None or listing.next_start >= now):
        return listing.next_start  # denormalised at ingest; occurrences are read only when it is stale
    low, high = plan_window or (now, FAR_FUTURE)
    for occurrence in listing.occurrences:
        if occurrence.status != "scheduled":
            continue
        if (occurrence.end or occurrence.start) >= max(low, now) and occurrence.start < high:
            return occurrence.start
    if listing.next_start is not None and listing.next_start >= now and listing.next_start < high:
        return listing.next_start
    return None


APPROXIMATE_PRECISIONS = ("locality", "region", "country")


def _result(
    listing: Listing, distance_km: float | None, score: float, plan: Plan, query: SearchQuery, now: datetime
) -> SearchResult:
    slugs = {t.slug for t in listing.tags}
    matched = [t for t in listing.tags if t.slug in set(plan.tags)]
    starts = next_start(listing, now, plan.window)
    local = starts.astimezone(_zone(listing.timezone or "UTC")) if starts else None
    why = reasoning.reasons(
        kind=listing.kind,
        rrule=listing.recurrence,
        recurrence_text=listing.recurrence_text or "",
        next_start_local=local,
        distance_km=distance_km,
        online=listing.online,
        matched_interests=[(t.slug, t.label) for t in matched],
        newcomer=listing.newcomer_friendly,
        free=listing.free,
        wheelchair=listing.wheelchair and "wheelchair" in query.access,
        unit=query.unit,
        approximate_place=listing.locality if listing.geo_precision in APPROXIMATE_PRECISIONS else None,
        ongoing=starts is None and is_ongoing(listing, now),
    )
    return SearchResult(listing, distance_km, starts, score, why, sorted(slugs & set(plan.tags)))
