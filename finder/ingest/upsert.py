"""Per-item writes of an ingest: a key new to this source merged or queued, a changed item updated,
status and next start kept."""

from __future__ import annotations

from datetime import datetime

from finder.identity import as_utc
from finder.ingest.batch import Batch, IngestReport
from finder.ingest.merge import find_duplicate
from finder.ingest.prepare import PreparedItem, apply_fields, fill_blanks, set_tags, sync_occurrences
from finder.models import Listing, ListingChange, ListingSource


def add_item(run: Batch, key: str, prepared: PreparedItem) -> ListingSource | None:
    """A key new to this source: merged into another source's listing (its link returned), or queued in `run.fresh`."""
    prepared.geocode(run.resolver)
    listing = find_duplicate(run.session, run.source, prepared, run.candidates)
    if listing is None:
        run.report.inserted += 1
        run.fresh.append((key, prepared))
        return None
    run.report.merged += 1
    fill_blanks(listing, prepared, run.orgs)
    set_tags(listing, prepared.tags, run.tags, keep=True)
    _status_from_secondary(run.session, listing, prepared, run.now)
    link = ListingSource(
        listing=listing,
        source_id=run.source.id,
        source_key=key,
        source_url=prepared.item.url[:2000],
        content_hash=prepared.hash,
        missed_runs=0,
        first_seen=run.now,
        last_seen=run.now,
    )
    run.session.add(link)
    run.report.touched.add(listing)
    return link


def update_item(run: Batch, link: ListingSource, prepared: PreparedItem) -> None:
    session, now, listing = run.session, run.now, link.listing
    prepared.geocode(run.resolver)
    link.content_hash = prepared.hash
    link.source_url = prepared.item.url[:2000]
    if not _is_primary(link):
        fill_blanks(listing, prepared, run.orgs)
        set_tags(listing, prepared.tags, run.tags, keep=True)
        _status_from_secondary(session, listing, prepared, now)
        run.report.touched.add(listing)
        return
    before = (listing.status, listing.start, _venue_line(listing))
    apply_fields(listing, prepared, run.orgs)
    sync_occurrences(listing, prepared)
    set_tags(listing, prepared.tags, run.tags)
    listing.content_hash = prepared.hash
    listing.updated_at = now
    after = (listing.status, listing.start, _venue_line(listing))
    for name, old, new in zip(("status", "start", "venue"), before, after, strict=True):
        if old != new and (name != "venue" or old):
            session.add(ListingChange(listing=listing, field=name, old=_text(old), new=_text(new), changed_at=now))
    run.report.touched.add(listing)


def _status_from_secondary(session, listing: Listing, prepared: PreparedItem, now) -> None:
    """A cancellation or postponement said by any source applies to the merged listing."""
    if prepared.status != "scheduled" and listing.status == "scheduled":
        session.add(
            ListingChange(listing=listing, field="status", old="scheduled", new=prepared.status, changed_at=now)
        )
        listing.status = prepared.status


def refresh_next_start(listing: Listing, prepared: PreparedItem, now, report: IngestReport) -> None:
    if listing.next_start is not None and listing.next_start < now and _is_primary_cheap(listing):
        listing.next_start = prepared.next_start
        report.touched.add(listing)


def _is_primary(link: ListingSource) -> bool:
    others = [other.id for other in link.listing.sources if other.id is not None]
    return link.id is None or not others or link.id == min(others)


def _is_primary_cheap(listing: Listing) -> bool:
    return len(listing.sources) == 1


def _venue_line(listing: Listing) -> str:
    return ", ".join(p for p in (listing.venue_name, listing.street, listing.locality) if p)


def _text(value) -> str:
    if isinstance(value, datetime):
        return as_utc(value, None).isoformat()
    return "" if value is None else str(value)
