"""The visitor's Sources page as values: who we read, how fresh each source is, and its licence.

Built from the catalogue's rows (`Source`), the run history (`finder.jobs.source_status`) and the licence terms
(`finder.catalog.licences`); words are chosen in the template. The operator's view of the same runs is `/status`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finder.catalog import EVERY, terms
from finder.jobs import SourceHealth, source_health
from finder.models import Listing, ListingSource

GOOD_RUNS = ("ok", "partial")  # an empty run is a failure (STYLE.md habit 5): it never counts as an update
LATE_FACTOR = 2  # "late" once no good run for this many intervals (plus an hour of slack for the scheduler)
LATE_SLACK = timedelta(hours=1)


@dataclass
class SourceEntry:
    """One source as a visitor sees it. `state`: `fresh`, `late` (no good run for two intervals),
    `trouble` (the last check failed or found nothing), `waiting` (never read yet) or `paused`."""

    name: str
    kind: str | None
    listings: int
    every: tuple[int, str]  # (number, unit "m" | "h" | "d")
    updated_at: datetime | None
    state: str
    site: str  # the source's origin (https://host/) or "" for files shipped with Kindred
    host: str
    licence: str | None
    attribution: str | None
    links_only: bool


@dataclass
class SourceGroup:
    """Sources for one place: `locality` and ISO `country` ("" and "" for online or many places)."""

    locality: str
    country: str
    entries: list[SourceEntry] = field(default_factory=list)


@dataclass
class SourcesPage:
    groups: list[SourceGroup]
    sources: int
    listings: int
    newest_update: datetime | None


def sources_page(session: Session, now: datetime) -> SourcesPage:
    """Every enabled source, and every paused one that still has listings shown, grouped by place."""
    counts = listing_counts(session)
    groups: dict[tuple[str, str], SourceGroup] = {}
    for item in source_health(session):
        source = item.source
        shown = counts.get(source.id, 0)
        if not source.enabled and not shown:
            continue
        key = (source.locality or "", source.country or "")
        groups.setdefault(key, SourceGroup(*key)).entries.append(entry(item, shown, now))
    ordered = sorted(groups.values(), key=lambda g: (not g.locality and not g.country, g.country, g.locality))
    for group in ordered:
        group.entries.sort(key=lambda e: e.name.casefold())
    entries = [e for g in ordered for e in g.entries]
    updates = [e.updated_at for e in entries if e.updated_at]
    return SourcesPage(ordered, len(entries), sum(e.listings for e in entries), max(updates, default=None))


def entry(item: SourceHealth, listings: int, now: datetime) -> SourceEntry:
    source = item.source
    finished = [run for run in item.runs if run.status != "running"]
    good = next((run for run in finished if run.status in GOOD_RUNS), None)
    updated_at = (good.finished_at or good.started_at) if good else None
    number, unit = EVERY.match(source.every or "1d").groups()
    found = terms([source])
    parts = urlsplit(source.url or "")
    web = parts.scheme in ("http", "https") and parts.hostname
    return SourceEntry(
        name=source.name or source.slug,
        kind=source.kind,
        listings=listings,
        every=(int(number), unit),
        updated_at=updated_at,
        state=state(source.enabled, finished, updated_at, source.every or "1d", now),
        site=f"{parts.scheme}://{parts.netloc}/" if web else "",
        host=_host(parts.hostname) if web else "",
        licence=found["licence"],
        attribution=found["attribution"],
        links_only=found["links_only"],
    )


def state(enabled: bool, finished: list, updated_at: datetime | None, every: str, now: datetime) -> str:
    """The freshness code for one source (see SourceEntry); `finished` is newest first."""
    if not enabled:
        return "paused"
    if not finished:
        return "waiting"
    if finished[0].status not in GOOD_RUNS:
        return "trouble"
    number, unit = EVERY.match(every).groups()
    interval = timedelta(seconds=int(number) * {"m": 60, "h": 3600, "d": 86400}[unit])
    if updated_at is None or now - updated_at > LATE_FACTOR * interval + LATE_SLACK:
        return "late"
    return "fresh"


def listing_counts(session: Session) -> dict[int, int]:
    """source id -> listings from it that visitors can see (not hidden)."""
    statement = (
        select(ListingSource.source_id, func.count(func.distinct(ListingSource.listing_id)))
        .join(Listing, Listing.id == ListingSource.listing_id)
        .where(Listing.liveness != "hidden")
        .group_by(ListingSource.source_id)
    )
    return dict(session.execute(statement).all())


def _host(hostname: str) -> str:
    return hostname[4:] if hostname.startswith("www.") else hostname
