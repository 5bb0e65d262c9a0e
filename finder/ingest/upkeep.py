"""Scheduled upkeep: roll recurring series forward, recompute next starts, prune old runs, tune the database,
and raise an alarm when a source keeps yielding nothing."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from finder import index
from finder.db import chunked
from finder.models import Listing, Occurrence, ScrapeRun, Source
from scrapers.recurrence import expand_rule

log = logging.getLogger(__name__)
KEEP_PAST_OCCURRENCES_DAYS = 30
KEEP_RUNS_DAYS = 90
KEEP_RUNS_PER_SOURCE = 50


def roll_series_forward(session: Session, now: datetime, expansion_days: int) -> int:
    """Drop long-past occurrences, add the missing future ones of stored RRULE series, and move every
    listing whose next start has passed on to its next one (search index included); returns listings changed."""
    session.execute(delete(Occurrence).where(Occurrence.start < now - timedelta(days=KEEP_PAST_OCCURRENCES_DAYS)))
    horizon = now + timedelta(days=expansion_days)
    changed: set[int] = set()
    series = session.scalars(
        select(Listing).where(
            Listing.recurrence.is_not(None),
            Listing.start.is_not(None),
            Listing.liveness != "hidden",
            Listing.all_day.is_(False),
        )
    )
    for listing in series:
        zone = ZoneInfo(listing.timezone) if listing.timezone else ZoneInfo("UTC")
        start = listing.start.astimezone(zone)
        end = listing.end.astimezone(zone) if listing.end else None
        moments, days = excluded(listing.exdates, zone)
        try:
            wanted = [
                o
                for o in expand_rule(start, end, listing.recurrence, now, horizon, moments)
                if o.start.date() not in days
            ]
        except (ValueError, TypeError) as error:
            log.warning("listing %s: recurrence %r cannot be expanded: %s", listing.id, listing.recurrence, error)
            continue
        if not wanted:
            continue
        # Compare with every stored occurrence the expansion could return, a meeting in progress (started
        # before now, not yet ended) included: adding it again would break uq_occurrences_listing_start.
        earliest = min(o.start for o in wanted)
        have = {
            start.astimezone(UTC)
            for start in session.scalars(
                select(Occurrence.start).where(Occurrence.listing_id == listing.id, Occurrence.start >= earliest)
            )
        }
        for occurrence in wanted:
            start_utc = occurrence.start.astimezone(UTC)
            if start_utc not in have:
                session.add(
                    Occurrence(listing_id=listing.id, start=occurrence.start, end=occurrence.end, status="scheduled")
                )
                have.add(start_utc)
                changed.add(listing.id)
    session.flush()
    changed |= set(session.scalars(select(Listing.id).where(Listing.next_start < now)))
    refresh_next_start(session, now, changed)
    index.refresh(session, changed)
    return len(changed)


def excluded(exdates: list | None, zone: ZoneInfo) -> tuple[list[datetime], set[date]]:
    """A series' EXDATEs as the source gave them: exact starts (bare times read in `zone`), and whole
    local days for date-only values. Unreadable values are skipped."""
    moments, days = [], set()
    for value in exdates or []:
        try:
            parsed = datetime.fromisoformat(value) if "T" in str(value) else date.fromisoformat(str(value))
        except ValueError:
            continue
        if isinstance(parsed, datetime):
            moments.append(parsed if parsed.tzinfo else parsed.replace(tzinfo=zone))
        else:
            days.add(parsed)
    return moments, days


def refresh_next_start(session: Session, now: datetime, listing_ids: set[int]) -> None:
    """`Listing.next_start` = the earliest scheduled occurrence from now (None when there is none)."""
    upcoming = (
        select(func.min(Occurrence.start))
        .where(Occurrence.listing_id == Listing.id, Occurrence.start >= now, Occurrence.status == "scheduled")
        .scalar_subquery()
    )
    ids = sorted(listing_ids)
    for chunk in chunked(ids):
        session.execute(
            update(Listing)
            .where(Listing.id.in_(chunk))
            .values(next_start=upcoming)
            .execution_options(synchronize_session=False)
        )


def prune_runs(session: Session, now: datetime) -> int:
    """Delete run records older than KEEP_RUNS_DAYS, always keeping each source's latest KEEP_RUNS_PER_SOURCE."""
    removed = 0
    for source_id in session.scalars(select(Source.id)):
        keep = (
            select(ScrapeRun.id)
            .where(ScrapeRun.source_id == source_id)
            .order_by(ScrapeRun.started_at.desc())
            .limit(KEEP_RUNS_PER_SOURCE)
        )
        removed += session.execute(
            delete(ScrapeRun).where(
                ScrapeRun.source_id == source_id,
                ScrapeRun.started_at < now - timedelta(days=KEEP_RUNS_DAYS),
                ScrapeRun.id.not_in(list(session.scalars(keep))),
            )
        ).rowcount
    return removed


def optimize_database(session: Session) -> str:
    """ANALYZE on PostgreSQL, PRAGMA optimize on SQLite; returns what was done."""
    if session.bind.dialect.name == "sqlite":
        session.execute(text("PRAGMA optimize"))
        return "PRAGMA optimize"
    session.execute(text("ANALYZE"))
    return "ANALYZE"


def silent_sources(session: Session, runs: int = 2) -> list[Source]:
    """Enabled sources whose last `runs` finished runs all yielded nothing (empty, or ok with zero items)."""
    found = []
    for source in session.scalars(select(Source).where(Source.enabled.is_(True))):
        latest = session.scalars(
            select(ScrapeRun)
            .where(ScrapeRun.source_id == source.id, ScrapeRun.status != "running")
            .order_by(ScrapeRun.started_at.desc())
            .limit(runs)
        ).all()
        if len(latest) == runs and all(
            run.status == "empty" or (run.status == "ok" and run.items == 0) for run in latest
        ):
            found.append(source)
    return found
