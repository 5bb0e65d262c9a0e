"""A page's listings as plain values (`PageListing`): the columns a result and its reasons read, no ORM objects.

The API answers from these: building 20 `Listing` objects with their tag and occurrence collections cost about
half of a search's CPU time, for fields it never reads. Three plain SELECTs (listings, tags, occurrences when a
date window needs them; on PostgreSQL the tags come with the listings) give the same values through the same
column types."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ARRAY, Integer, String, any_, bindparam, func, literal_column, select, type_coerce
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from finder.models import Listing, ListingTag, Occurrence, Tag


@dataclass(frozen=True, slots=True)
class PageTag:
    slug: str
    label: str


@dataclass(frozen=True, slots=True)
class PageOccurrence:
    start: datetime
    end: datetime | None
    status: str


@dataclass(slots=True)
class PageListing:
    """What `run_search`, `next_start`, `is_ongoing` and the API read of a listing, under the model's names."""

    id: int
    title: str
    kind: str
    url: str
    lat: float | None
    lon: float | None
    online: bool
    timezone: str | None
    recurrence: str | None
    recurrence_text: str
    start: datetime | None
    end: datetime | None
    all_day: bool
    next_start: datetime | None
    newcomer_friendly: bool
    free: bool | None
    wheelchair: bool
    locality: str
    geo_precision: str
    tags: list[PageTag] = field(default_factory=list)  # by slug, as Listing.tags
    occurrences: list[PageOccurrence] = field(default_factory=list)  # by start, read only with a date window


COLUMNS = [c for c in PageListing.__dataclass_fields__ if c not in ("tags", "occurrences")]
_LISTING, _LINK, _TAG, _OCCURRENCE = (m.__mapper__.columns for m in (Listing, ListingTag, Tag, Occurrence))
_LINKED_TAGS = ListingTag.__table__.join(Tag.__table__, _TAG["id"] == _LINK["tag_id"])


def id_in(column, dialect: str):
    """`column IN (the page's ids)` with the ids as ONE bound value, so the statement's SQL is compiled once: an
    expanding IN list renders it again at every execution. A JSON array read by json_each on SQLite, an array on
    PostgreSQL (`ids_value` gives the value), the two databases search runs on."""
    if dialect == "sqlite":
        return column.in_(select(literal_column("value")).select_from(func.json_each(bindparam("ids", type_=String))))
    return column == any_(bindparam("ids", type_=ARRAY(Integer)))


def ids_value(ids: list[int], dialect: str):
    """The bound value `id_in` takes for `ids`."""
    return json.dumps(ids) if dialect == "sqlite" else list(ids)


def _statements(dialect: str) -> tuple:
    """(listing columns, their tags by slug, their occurrences by start) of the page, of the tables' columns (Core:
    no ORM compile or loading step, the same column types). On PostgreSQL the tags come with the listings, as an
    array of [slug, label] pairs in a last column (one round trip fewer: a page of 20 at 1M listings, p50 1.29 ->
    1.16 ms, p95 1.63 -> 1.37), and the tags statement is None; on SQLite, where a round trip costs nothing, they
    come from their own statement."""
    listings = select(*(_LISTING[c] for c in COLUMNS)).where(id_in(_LISTING["id"], dialect))
    if dialect == "postgresql":
        pairs = (
            select(func.array_agg(aggregate_order_by(postgresql.array([_TAG["slug"], _TAG["label"]]), _TAG["slug"])))
            .select_from(_LINKED_TAGS)
            .where(_LINK["listing_id"] == _LISTING["id"])
            .scalar_subquery()
        )
        listings, tags = listings.add_columns(type_coerce(pairs, ARRAY(String, dimensions=2))), None
    else:
        tags = (
            select(_LINK["listing_id"], _TAG["slug"], _TAG["label"])
            .select_from(_LINKED_TAGS)
            .where(id_in(_LINK["listing_id"], dialect))
            .order_by(_TAG["slug"])
        )
    occurrences = (
        select(_OCCURRENCE["listing_id"], _OCCURRENCE["start"], _OCCURRENCE["end"], _OCCURRENCE["status"])
        .where(id_in(_OCCURRENCE["listing_id"], dialect))
        .order_by(_OCCURRENCE["start"])
    )
    return listings, tags, occurrences


_STATEMENTS = {dialect: _statements(dialect) for dialect in ("sqlite", "postgresql")}


def load_page(session: Session, ids: list[int], *, with_occurrences: bool) -> dict[int, PageListing]:
    """id -> PageListing of the listings `ids` (occurrences filled only when `with_occurrences`)."""
    if not ids:
        return {}
    dialect = session.get_bind().dialect.name
    listings_sql, tags_sql, occurrences_sql = _STATEMENTS[dialect]
    params = {"ids": ids_value(ids, dialect)}
    if tags_sql is None:  # PostgreSQL: each row ends with its [slug, label] pairs (NULL when it has none)
        rows = session.execute(listings_sql, params)
        listings = {row[0]: PageListing(*row[:-1], [PageTag(*pair) for pair in row[-1] or ()]) for row in rows}
    else:
        listings = {row[0]: PageListing(*row) for row in session.execute(listings_sql, params)}
        for listing_id, slug, label in session.execute(tags_sql, params):
            if listing_id in listings:
                listings[listing_id].tags.append(PageTag(slug, label))
    if with_occurrences:
        for listing_id, start, end, status in session.execute(occurrences_sql, params):
            if listing_id in listings:
                listings[listing_id].occurrences.append(PageOccurrence(start, end, status))
    return listings
