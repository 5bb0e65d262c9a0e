"""Liveness, exactly as in DESIGN.md: a listing missing from its source after a successful run is
`unverified`; after FINDER_HIDE_AFTER_MISSES consecutive successful runs without it, `hidden`; seen
again, `active`. A listing with several sources stays active while any of them still lists it.
Failed, empty and partial runs never reach `count_misses`. Incremental feeds (RPDE) never count
misses; the items they delete go through `remove_links`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from finder.db import ID_CHUNK
from finder.models import Listing, ListingSource


def mark_seen(session: Session, links: list[ListingSource], now: datetime, touched: set[Listing]) -> None:
    """The source listed these in this run: misses reset, `last_seen` now, listings active again.

    Stored links and their listings are written with one UPDATE per table and chunk instead of an ORM
    flush of every object (a re-scrape where nothing changed writes only this), and the session's
    objects take the written values as their stored state. Links not stored yet were created with
    these values. A listing coming back to `active` changes through the ORM and joins `touched`."""
    for link in links:
        if link.listing.liveness != "active":
            link.listing.liveness = "active"
            touched.add(link.listing)
    stored = [link for link in links if link.id is not None]
    listings = list({link.listing.id: link.listing for link in links}.values())  # all stored already
    for model, rows, values in (
        (ListingSource, stored, {"missed_runs": 0, "last_seen": now}),
        (Listing, listings, {"last_seen": now}),
    ):
        statement = update(model).where(model.id.in_(bindparam("ids", expanding=True))).values(**values)
        for offset in range(0, len(rows), ID_CHUNK):
            session.connection().execute(statement, {"ids": [row.id for row in rows[offset : offset + ID_CHUNK]]})
        for row in rows:
            for name, value in values.items():
                set_committed_value(row, name, value)


def count_misses(links: dict[str, ListingSource], seen: set[str], hide_after: int, touched: set[Listing]) -> int:
    """One more miss for every link of a complete run whose key was not seen; returns how many
    listings went missing in this run (their first miss). Listings whose liveness changed join `touched`."""
    gone = 0
    for key, link in links.items():
        if key in seen:
            continue
        link.missed_runs += 1
        if link.missed_runs == 1:
            gone += 1
        _refresh(link.listing, hide_after, touched)
    return gone


def remove_links(links: list[ListingSource], hide_after: int, touched: set[Listing]) -> int:
    """The source deleted these (an incremental feed's tombstones): each link counts as missed
    `hide_after` times, so its listing is hidden unless another source still lists it. Returns how
    many were live before (gone in this run)."""
    gone = 0
    for link in links:
        if link.missed_runs == 0:
            gone += 1
        link.missed_runs = max(link.missed_runs, hide_after, 1)
        _refresh(link.listing, hide_after, touched)
    return gone


def _refresh(listing: Listing, hide_after: int, touched: set[Listing]) -> None:
    """Recompute `listing`'s liveness from its links; it joins `touched` when that changed."""
    liveness = liveness_of(listing.sources, hide_after)
    if liveness != listing.liveness:
        listing.liveness = liveness
        touched.add(listing)


def liveness_of(links: list[ListingSource], hide_after: int) -> str:
    """active while any source lists it; hidden after `hide_after` misses everywhere; else unverified."""
    misses = [link.missed_runs for link in links]
    if not misses or min(misses) == 0:
        return "active"
    return "hidden" if min(misses) >= max(hide_after, 1) else "unverified"
