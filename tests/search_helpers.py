"""Listings for search tests: inserted through the ORM, indexed with index_writes.refresh."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from finder import ranking
from finder.index import writes as index_writes
from finder.models import Listing, Occurrence, Tag
from finder.search import SearchQuery, run_search, sql_cache
from finder.tags import load_vocabulary
from tests.conftest import FROZEN_NOW

NOW = FROZEN_NOW  # a Wednesday; tests that reach the real clock (views, feeds) also take `frozen_now`
LONDON = (51.5074, -0.1278)


def cold_page(session, args: dict, at: tuple[float, float] = LONDON):
    """One search near `at` with the online branch's remembered answers forgotten first (as a first search of its
    filter set runs): the page's ids and scores, and its total."""
    sql_cache.forget_online_answers()
    query = SearchQuery.from_args({"lat": str(at[0]), "lon": str(at[1]), **{k: str(v) for k, v in args.items()}})
    page = run_search(session, query, None, now=NOW)
    session.expunge_all()
    return [r.listing.id for r in page.results], [r.score for r in page.results], page.total


def connections_off_the_levels(session, seed: int) -> set[float]:
    """A third of the online listings given connections `ranking.connection_potential` never gives (an older
    formula's, an operator's edit: random, 0.97, 1.2, -0.1), their index rows rewritten; the values given."""
    rng = random.Random(seed)
    online = session.scalars(select(Listing).where(Listing.online.is_(True)).order_by(Listing.id)).all()
    for listing in online[::3]:
        listing.connection_score = rng.choice([round(rng.uniform(0.0, 1.0), 4), 0.97, 1.2, -0.1])
    session.flush()
    index_writes.refresh(session, [listing.id for listing in online])
    session.commit()
    return {listing.connection_score for listing in online[::3]}


def km_north(lat: float, lon: float, km: float) -> tuple[float, float]:
    return lat + km / 111.195, lon


def add_listing(
    session,
    title: str,
    *,
    lat=None,
    lon=None,
    kind="club",
    tags=(),
    description="",
    online=False,
    starts: list[datetime] | None = None,
    rrule=None,
    recurrence_text="",
    free=None,
    timezone="UTC",
    **fields,
) -> Listing:
    """One listing with tags and occurrences; connection score computed as the importer does."""
    vocabulary = load_vocabulary()
    tag_rows = []
    for slug in tags:
        tag = session.scalar(select(Tag).where(Tag.slug == slug))
        if tag is None:
            tag = Tag(slug=slug, label=vocabulary.label(slug), facet=vocabulary.facet(slug) or "activity")
            session.add(tag)
        tag_rows.append(tag)
    text = f"{title} {description}"
    newcomer = fields.pop("newcomer_friendly", ranking.newcomer_signals(text))
    listing = Listing(
        kind=kind,
        title=title,
        description=description,
        lat=lat,
        lon=lon,
        online=online,
        recurrence=rrule,
        recurrence_text=recurrence_text,
        free=free,
        timezone=timezone,
        newcomer_friendly=newcomer,
        **fields,
    )
    listing.connection_score = ranking.connection_potential(
        recurring=ranking.recurrence_kind(rrule, recurrence_text),
        in_person=not online,
        newcomer=newcomer,
        small_group=ranking.small_group_signals(text),
    )
    listing.tags = tag_rows
    for start in starts or []:
        listing.occurrences.append(Occurrence(start=start, end=start + timedelta(hours=2)))
    future = [s for s in starts or [] if s >= NOW]
    listing.next_start = min(future) if future else None
    if starts:
        listing.start = min(starts)
    session.add(listing)
    session.flush()
    index_writes.refresh(session, [listing.id])
    return listing
