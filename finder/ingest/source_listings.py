"""A source's listings when the source is blocked, unblocked or purged.

A listing is shown while at least one enabled source lists it: blocking (disabling) a source hides the
listings no enabled source still lists, at once; unblocking shows them again unless something else hides
them (misses counted by liveness, an administrator's hide or an opt-out). Purging deletes the listings only
that source lists, and unlinks the rest. Callers commit; the search index is kept in step here.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from finder import index
from finder.db import chunked
from finder.ingest.liveness import liveness_of
from finder.ingest.overrides import suppressed
from finder.models import Listing, ListingSource, Source, Suppression


def _listings_of(session: Session, source: Source) -> list[Listing]:
    ids = select(ListingSource.listing_id).where(ListingSource.source_id == source.id)
    query = (
        select(Listing)
        .where(Listing.id.in_(ids))
        .options(selectinload(Listing.sources).selectinload(ListingSource.source), selectinload(Listing.organization))
    )
    return list(session.scalars(query))


def hide_blocked(session: Session, source: Source) -> list[int]:
    """Hide the listings of `source` (now disabled) that no enabled source lists; returns their ids."""
    hidden = []
    for listing in _listings_of(session, source):
        if listing.liveness != "hidden" and not any(link.source.enabled for link in listing.sources):
            listing.liveness = "hidden"
            hidden.append(listing.id)
    session.flush()
    index.refresh(session, hidden)
    return hidden


def show_unblocked(session: Session, source: Source, hide_after: int) -> list[int]:
    """Show again the hidden listings of `source` (now enabled) that nothing else hides; returns their ids."""
    suppressions = session.scalars(select(Suppression)).all()
    shown = []
    for listing in _listings_of(session, source):
        if listing.liveness != "hidden" or suppressed(listing, suppressions):
            continue
        liveness = liveness_of([link for link in listing.sources if link.source.enabled], hide_after)
        if liveness != "hidden":
            listing.liveness = liveness
            shown.append(listing.id)
    session.flush()
    index.refresh(session, shown)
    return shown


def purge(session: Session, source: Source) -> tuple[int, int]:
    """Delete the listings only `source` lists (their occurrences, tags and index rows go with them) and
    unlink it from listings other sources also list. Returns (deleted, unlinked)."""
    others = select(ListingSource.listing_id).where(ListingSource.source_id != source.id)
    mine = select(ListingSource.listing_id).where(ListingSource.source_id == source.id)
    only_mine = list(session.scalars(select(Listing.id).where(Listing.id.in_(mine), Listing.id.not_in(others))))
    shared = list(session.scalars(select(Listing.id).where(Listing.id.in_(mine), Listing.id.in_(others))))
    connection = session.connection()
    for chunk in chunked(only_mine):
        index.delete_rows(connection, chunk)
        session.execute(delete(Listing).where(Listing.id.in_(chunk)))  # children go by ON DELETE CASCADE
    session.execute(delete(ListingSource).where(ListingSource.source_id == source.id))
    session.expire_all()
    index.bump(connection)
    index.refresh(session, shared)
    return len(only_mine), len(shared)


def count_listings(session: Session, source: Source) -> int:
    return session.scalar(select(func.count()).select_from(ListingSource).where(ListingSource.source_id == source.id))
