"""The importer's write path for new listings (items no stored listing matched): rows built from the
prepared items and written in bulk (`finder.db.bulk`), with their occurrences, provenance, tags and
search-index rows. `finder.ingest.importer` decides which items these are."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy.orm import Session

from finder import db, index
from finder.ingest.prepare import listing_values
from finder.models import Listing, ListingSource, ListingTag, Occurrence, Source, Tag

OCCURRENCE_COLUMNS = ("listing_id", "start", "end", "status", "all_day")
LINK_COLUMNS = (
    "listing_id",
    "source_id",
    "source_key",
    "missed_runs",
    "source_url",
    "content_hash",
    "first_seen",
    "last_seen",
)


def insert_new(session: Session, source: Source, fresh: list, tags: dict[str, Tag], now) -> set[int]:
    """Bulk-insert new listings with their occurrences, tags, provenance and search-index rows; returns their ids."""
    if not fresh:
        return set()
    connection = session.connection()
    index.bump(connection)  # a write first: SQLite's write lock is held before ids are reserved
    ids = db.reserve_ids(connection, Listing.__table__, len(fresh))
    tag_ids = {slug: tag.id for slug, tag in tags.items()}
    labels = {slug: index.label_text(slug, tag.label) for slug, tag in tags.items()}
    listings, occurrences, links, tagged, index_rows, texts = [], [], [], [], [], []
    for listing_id, (key, prepared, org) in zip(ids, fresh, strict=True):
        values = listing_values(prepared)
        values.update(
            id=listing_id,
            organization_id=org.id if org is not None else None,
            content_hash=prepared.hash,
            liveness="active",
            first_seen=now,
            last_seen=now,
            updated_at=now,
        )
        listings.append(values)
        all_day = prepared.item.all_day
        occurrences += [(listing_id, start, end, status, all_day) for start, end, status in prepared.occurrences]
        links.append((listing_id, source.id, key, 0, prepared.item.url[:2000], prepared.hash, now, now))
        slugs = sorted({slug for slug in prepared.tags if slug in tag_ids})
        tagged += [(listing_id, tag_ids[slug]) for slug in slugs]
        if values["status"] != "cancelled":  # what index_writes.refresh would write for this listing
            index_rows.append(
                index.index_row(
                    _row_as_listing(values), slugs, [(*occurrence, all_day) for occurrence in prepared.occurrences]
                )
            )
            texts.append((listing_id, values["title"], values["description"], " ".join(labels[s] for s in slugs)))
    db.insert_rows(connection, Listing.__table__, listings)
    db.insert_rows(connection, Occurrence.__table__, occurrences, OCCURRENCE_COLUMNS)
    db.insert_rows(connection, ListingSource.__table__, links, LINK_COLUMNS)
    db.insert_rows(connection, ListingTag.__table__, tagged, ("listing_id", "tag_id"))
    index.write_rows(connection, index_rows, texts)
    return set(ids)


def _row_as_listing(values: dict) -> SimpleNamespace:
    """A new listing's column values with a `Listing`'s attribute names, for `search_index.index_row`.

    Why not a `Listing`: these rows are written by `bulk.insert_rows`, never through the session, and an
    ORM object per new listing (with its instrumentation and identity-map entry) would cost more than
    the rest of its index row. `index_row` reads attributes only, so a namespace of the same values gives
    the row `index_writes.refresh` would write from the stored listing (tests/test_bulk.py checks they agree)."""
    return SimpleNamespace(**values)
