"""A page's listings as ORM `Listing`s (what the web pages, the CLI and alert welcomes render from): attached to the
session, so a template may still lazy-load any other relationship, with their tags, and their occurrences when a
date window reads them.

Each statement takes the page's ids as one bound value (`page_rows.id_in`), so its SQL is compiled once; an
expanding IN renders it again at every execution. On PostgreSQL the tags come joined onto the listings' rows (one
round trip, ~0.1 ms, fewer); on SQLite, where a round trip costs nothing and its planner may walk the whole link
table in slug order for that join, they come from a second statement. Collections already loaded on a listing the
session held are kept, as the ORM's own eager loaders keep them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from finder.models import Listing, ListingTag, Occurrence, Tag
from finder.search.page_rows import id_in, ids_value


def load_listings(session: Session, ids: list[int], *, with_occurrences: bool) -> dict[int, Listing]:
    """id -> Listing of the listings `ids`, tags by slug loaded (occurrences by start only when `with_occurrences`)."""
    if not ids:
        return {}
    dialect = session.get_bind().dialect.name
    listings_sql, tags_sql, occurrences_sql = _STATEMENTS[dialect]
    params = {"ids": ids_value(ids, dialect)}
    loaded = session.scalars(listings_sql, params)
    listings = {item.id: item for item in (loaded if tags_sql is not None else loaded.unique())}
    if tags_sql is not None:
        _set_collections(listings, "tags", session.execute(tags_sql, params))
    if with_occurrences:
        occurrences = session.scalars(occurrences_sql, params)
        _set_collections(listings, "occurrences", ((item.listing_id, item) for item in occurrences))
    return listings


def _set_collections(listings: dict[int, Listing], name: str, rows: Iterable[tuple[int, object]]) -> None:
    """Set the collection `name` of the listings not holding it yet from (listing id, item) rows, in their order."""
    items: dict[int, list] = {}
    for listing_id, item in rows:
        items.setdefault(listing_id, []).append(item)
    for listing_id, listing in listings.items():
        if name not in vars(listing):
            set_committed_value(listing, name, items.get(listing_id, []))


def _statements(dialect: str) -> tuple:
    """(listings, (listing id, Tag) by slug or None when joined onto the listings, occurrences by start)."""
    listings = select(Listing).where(id_in(Listing.id, dialect))
    occurrences = select(Occurrence).where(id_in(Occurrence.listing_id, dialect)).order_by(Occurrence.start)
    if dialect == "postgresql":
        return listings.options(joinedload(Listing.tags)), None, occurrences
    tags = (
        select(ListingTag.listing_id, Tag)
        .join(Tag, Tag.id == ListingTag.tag_id)
        .where(id_in(ListingTag.listing_id, dialect))
        .order_by(Tag.slug)
    )
    return listings, tags, occurrences


_STATEMENTS = {dialect: _statements(dialect) for dialect in ("sqlite", "postgresql")}
