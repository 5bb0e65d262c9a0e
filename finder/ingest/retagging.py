"""Re-run the tagger over stored listings (after `data/tags.toml` or a source's default tags change)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from finder import index
from finder.ingest.batch import ensure_tags
from finder.ingest.prepare import set_tags
from finder.models import Listing, ListingSource
from finder.tags import Vocabulary, load_vocabulary

BATCH = 500


def retag(session: Session, vocabulary: Vocabulary | None = None) -> tuple[int, int]:
    """Recompute every listing's tags from its categories, title, description and its sources'
    default tags. Returns (listings seen, listings whose tags changed); the caller commits."""
    vocabulary = vocabulary or load_vocabulary()
    rows = ensure_tags(session, vocabulary)
    seen = changed = 0
    last_id = 0
    while True:
        batch = session.scalars(
            select(Listing)
            .where(Listing.id > last_id)
            .order_by(Listing.id)
            .limit(BATCH)
            .options(selectinload(Listing.tags), selectinload(Listing.sources).joinedload(ListingSource.source))
        ).all()
        if not batch:
            break
        touched = []
        for listing in batch:
            slugs = vocabulary.tags_for(listing.categories or [], f"{listing.title}\n{listing.description}")
            for link in listing.sources:
                slugs += [s for s in link.source.tags or [] if s in vocabulary and s not in slugs]
            before = {tag.slug for tag in listing.tags}
            set_tags(listing, slugs, rows)
            if {tag.slug for tag in listing.tags} != before:
                touched.append(listing.id)
        seen += len(batch)
        changed += len(touched)
        last_id = batch[-1].id
        session.flush()
        if touched:
            index.refresh(session, touched)
    return seen, changed
