"""Writes to the search index: `refresh` from the listings table, `write_rows` (COPY on PostgreSQL), `delete_rows`.

`refresh(session, listing_ids)` rewrites the rows of those listings (hidden or cancelled listings
are removed); callers own the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from operator import itemgetter

from sqlalchemy import Connection, bindparam, select, text
from sqlalchemy.orm import Session

from finder.db import ID_CHUNK, copy_rows
from finder.geo.math import fold
from finder.index.rows import index_row, label_text, place_tokens
from finder.index.schema import FTS_TABLES, GEO_COLUMNS, ONLINE_COLUMNS, SQLITE_ROW_TABLES, bump
from finder.models import Listing, ListingTag, Occurrence, Tag

log = logging.getLogger(__name__)

INDEXED = tuple(
    getattr(Listing, name)
    for name in (
        "id",
        "kind",
        "title",
        "description",
        "lat",
        "lon",
        "online",
        "timezone",
        "recurrence",
        "recurrence_text",
        "start",
        "end",
        "all_day",
        "next_start",
        "connection_score",
        "free",
        "for_kids",
        "for_teens",
        "for_seniors",
        "for_families",
        "for_groups",
        "wheelchair",
        "sign_language",
        "newcomer_friendly",
    )
)
_GEO_VALUES = itemgetter(*GEO_COLUMNS)
SQLITE_INSERT = f"INSERT INTO listing_geo ({', '.join(GEO_COLUMNS)}) VALUES ({', '.join('?' * len(GEO_COLUMNS))})"  # noqa: S608 (fixed names)
# PostgreSQL: rows are streamed by COPY into a temporary staging table, then moved into `listing_geo` by one
# INSERT ... SELECT that builds each row's tsvector on the server: a statement per row (executemany) cost
# the importer a round trip and a parameter conversion per listing.
POSTGRES_STAGING = """CREATE TEMPORARY TABLE IF NOT EXISTS listing_geo_staging (
    lat_band integer, lon float8, id bigint, lat float8, x float8, y float8, z float8, kind text, flags integer,
    days_mask integer, times_mask integer, next_epoch float8, end_epoch float8, connection float8, tags text,
    title_norm text, title text, labels text, body text, cell text) ON COMMIT DELETE ROWS"""
STAGED_COLUMNS = (*GEO_COLUMNS, "title", "labels", "body", "cell")
POSTGRES_COPY = f"COPY listing_geo_staging ({', '.join(STAGED_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
# A batch's label texts repeat (a tag set's labels in every language, the longest of a row's texts): each distinct
# one's vector is made once (MATERIALIZED: not made per row again after a pull-up), then joined to its rows (never
# NULL: folded text).
POSTGRES_MOVE = f"""WITH l AS MATERIALIZED (
        SELECT labels, setweight(to_tsvector('english', labels), 'B') AS weighted
        FROM (SELECT DISTINCT labels FROM listing_geo_staging) d)
    INSERT INTO listing_geo ({", ".join(GEO_COLUMNS)}, tsv)
    SELECT {", ".join(f"s.{name}" for name in GEO_COLUMNS)}, setweight(to_tsvector('english', s.title), 'A')
        || l.weighted || setweight(to_tsvector('english', left(s.body, 20000)), 'C') || to_tsvector('simple', s.cell)
    FROM listing_geo_staging s JOIN l ON l.labels = s.labels"""  # noqa: S608 (fixed names)

# PostgreSQL's text indexes (GIN, `fastupdate` on by default) take new rows into a pending list that every search with
# words reads through in full, until the list passes gin_pending_list_limit (4 MB) or a VACUUM merges it (at 1M listings
# autovacuum comes after 200,000 inserts by default, 10,000 with migration 0018; the CI server runs without it). After
# 20,000 new listings in batches of 1,000 (a list of 313 pages), the bench's first searches with words went from p95
# 11 to 73 ms ("100 km +text"), the near branch with interests and words from 4.3 to 134 ms. So each write moves its
# own entries into the index's tree in bulk (gin_clean_pending_list, PostgreSQL's step after a bulk insert: ~3 ms per
# 1,000 rows, where `fastupdate = off` cost ~22 us a row) and searches never read a pending list. The function needs
# the index's owner, as VACUUM does: a role that does not own it skips it (logged once per connection).
TEXT_INDEXES = ("listing_geo_tsv", "listing_geo_online_tsv")
GIN_CLEAN = f"""SELECT count(gin_clean_pending_list(c.oid)) FROM pg_class c
    WHERE c.oid IN ({", ".join(f"to_regclass('{name}')" for name in TEXT_INDEXES)})
        AND pg_has_role(c.relowner, 'USAGE')"""  # noqa: S608 (fixed names)

_ONLINE_VALUES = itemgetter(*ONLINE_COLUMNS)
ONLINE_INSERT = (
    f"INSERT INTO listing_geo_online ({', '.join(ONLINE_COLUMNS)}) VALUES ({', '.join('?' * len(ONLINE_COLUMNS))})"  # noqa: S608 (fixed names)
)


def refresh(session: Session, listing_ids: Iterable[int]) -> int:
    """Bring the index rows of these listings in step with the listings table; returns rows written."""
    ids = sorted({int(i) for i in listing_ids})
    written = 0
    connection = session.connection()
    if ids:
        bump(connection)
    for offset in range(0, len(ids), ID_CHUNK):
        chunk = ids[offset : offset + ID_CHUNK]
        delete_rows(connection, chunk)
        listings = session.execute(
            select(*INDEXED).where(Listing.id.in_(chunk), Listing.liveness != "hidden", Listing.status != "cancelled")
        ).all()
        tags, occurrences = _children(session, [item.id for item in listings])
        rows = [
            index_row(item, [slug for slug, _ in tags.get(item.id, ())], occurrences.get(item.id, []))
            for item in listings
        ]
        fts = [
            (
                item.id,
                item.title,
                item.description,
                " ".join(label_text(slug, label) for slug, label in tags.get(item.id, ())),
            )
            for item in listings
        ]
        written += write_rows(connection, rows, fts)
    return written


ENDED_GRACE_S = 86_400  # a day: a listing's row stays that long after its end


def prune_ended(session: Session, now: datetime) -> int:
    """Remove the index rows of listings over for more than a day; returns how many.

    No search shows them (every search keeps only rows not over), yet each was still read: placeless ones by every
    first search's count (subtracted, row by row), the others by every search whose circle holds them. A listing
    given a later date again (a new run of its source, a series rolled forward) gets its row back from `refresh`."""
    cutoff = now.timestamp() - ENDED_GRACE_S
    ids = list(session.scalars(text("SELECT id FROM listing_geo WHERE end_epoch < :cutoff"), {"cutoff": cutoff}))
    connection = session.connection()
    if ids:
        bump(connection)
    for offset in range(0, len(ids), ID_CHUNK):
        delete_rows(connection, ids[offset : offset + ID_CHUNK])
    return len(ids)


def _children(session: Session, ids: list[int]) -> tuple[dict[int, list], dict[int, list]]:
    """(slug, label) of the tags (by slug) and (start, end, status, all_day) of the occurrences, by listing id."""
    tags: dict[int, list] = {}
    occurrences: dict[int, list] = {}
    if not ids:
        return tags, occurrences
    query = (
        select(ListingTag.listing_id, Tag.slug, Tag.label)
        .join(Tag, Tag.id == ListingTag.tag_id)
        .where(ListingTag.listing_id.in_(ids))
        .order_by(ListingTag.listing_id, Tag.slug)
    )
    for listing_id, slug, label in session.execute(query):
        tags.setdefault(listing_id, []).append((slug, label))
    query = (
        select(Occurrence.listing_id, Occurrence.start, Occurrence.end, Occurrence.status, Occurrence.all_day)
        .where(Occurrence.listing_id.in_(ids))
        .order_by(Occurrence.listing_id, Occurrence.start)
    )
    for listing_id, *occurrence in session.execute(query):
        occurrences.setdefault(listing_id, []).append(tuple(occurrence))
    return tags, occurrences


def delete_rows(connection: Connection, ids: list[int]) -> None:
    if not ids:
        return
    tables = ("listing_geo",) if connection.dialect.name == "postgresql" else SQLITE_ROW_TABLES
    for table in tables:
        connection.execute(
            text(f"DELETE FROM {table} WHERE id IN :ids").bindparams(bindparam("ids", expanding=True)),  # noqa: S608 -- fixed names
            {"ids": ids},
        )
    if connection.dialect.name != "postgresql":
        for table in FTS_TABLES:
            connection.execute(
                text(f"DELETE FROM {table} WHERE rowid IN :ids").bindparams(bindparam("ids", expanding=True)),  # noqa: S608 -- fixed names
                {"ids": ids},
            )


@lru_cache(maxsize=4096)
def folded_labels(labels: str) -> str:
    """`fold(labels)`, remembered: label texts repeat from row to row and batch to batch (a tag set's labels in
    every language; a few hundred distinct sets in a batch of 1,000 new listings), and, not being ASCII, take
    fold's slow path (~17 us each)."""
    return fold(labels)


def write_rows(connection: Connection, rows: list[dict], fts: list[tuple[int, str, str, str]]) -> int:
    """Insert prepared index rows and their text (id, title, body, tag labels)."""
    if not rows:
        return 0
    if connection.dialect.name == "postgresql":
        texts = {i: (title, body, labels) for i, title, body, labels in fts}
        connection.exec_driver_sql(POSTGRES_STAGING)
        staged = []
        for row in rows:
            title, body, labels = texts.get(row["id"], ("", "", ""))
            staged.append((*_GEO_VALUES(row), fold(title), folded_labels(labels), fold(body), place_tokens(row)))
        copy_rows(connection, POSTGRES_COPY, "listing_geo_staging", STAGED_COLUMNS, staged)
        cursor = connection.connection.dbapi_connection.cursor()
        with cursor:
            cursor.execute(POSTGRES_MOVE)
            cursor.execute("DELETE FROM listing_geo_staging")
            cleaned = cursor.execute(GIN_CLEAN).fetchone()[0]
        if cleaned < len(TEXT_INDEXES) and not connection.info.get("gin_clean_skipped"):
            connection.info["gin_clean_skipped"] = True
            log.warning(
                "the text indexes' pending entries are left for VACUUM: this role does not own listing_geo's "
                "text indexes, so searches with words read them until then"
            )
    else:  # straight to the driver: SQLAlchemy's per-row parameter handling costs more than these inserts
        cells = {row["id"]: place_tokens(row) for row in rows}
        placeless = {row["id"] for row in rows if row["lat"] is None}
        connection.exec_driver_sql(SQLITE_INSERT, list(map(_GEO_VALUES, rows)))
        if placeless:
            connection.exec_driver_sql(ONLINE_INSERT, [_ONLINE_VALUES(row) for row in rows if row["id"] in placeless])
        texts = [(i, title, body, labels, cells.get(i, "")) for i, title, body, labels in fts]
        for table, without_place in zip(FTS_TABLES, (False, True), strict=True):
            chosen = [t for t in texts if (t[0] in placeless) is without_place]
            if chosen:
                connection.exec_driver_sql(
                    f"INSERT INTO {table} (rowid, title, body, tags, cell) "  # noqa: S608
                    "VALUES (?, ?, ?, ?, ?)",
                    chosen,
                )
    return len(rows)
