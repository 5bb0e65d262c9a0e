"""The importer's bulk write path: stores what the ORM would store, reserves unused ids, and writes the
same search-index rows as a refresh from the stored listings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from finder.db import bulk
from finder.db.engine import BinaryList, one_of
from finder.index import schema as index_schema
from finder.index import writes as index_writes
from finder.ingest.importer import ingest
from finder.models import Listing, Occurrence, Source
from scrapers.listing import Listing as Item
from scrapers.listing import Occurrence as ItemOccurrence
from scrapers.listing import Venue

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")


def test_reserved_ids_follow_every_stored_one(session):
    session.add(Listing(kind="event", title="Already here"))
    session.flush()
    largest = session.scalar(select(Listing.id).order_by(Listing.id.desc()).limit(1))
    ids = bulk.reserve_ids(session.connection(), Listing.__table__, 3)
    assert len(set(ids)) == 3 and min(ids) > largest
    assert bulk.reserve_ids(session.connection(), Listing.__table__, 0) == []


def test_one_of_finds_the_rows_of_the_values_given_and_sends_them_in_binary_on_postgresql(session):
    session.add_all([Listing(kind="event", title=f"T{i}") for i in range(3)])
    session.flush()
    ids = sorted(session.scalars(select(Listing.id)))
    dialect = session.get_bind().dialect.name
    assert sorted(session.scalars(select(Listing.title).where(one_of(Listing.id, [*ids[:2], 10**9], dialect)))) == [
        "T0",
        "T1",
    ]
    assert session.scalars(select(Listing.id).where(one_of(Listing.title, [], dialect))).all() == []
    if dialect == "postgresql":  # the engine's connections know the binary dumper of a BinaryList
        from psycopg.adapt import PyFormat

        adapters = session.connection().connection.dbapi_connection.adapters
        assert adapters.get_dumper(BinaryList, PyFormat.AUTO) is adapters.get_dumper(list, PyFormat.BINARY)


def test_rows_read_back_as_the_orm_would_have_stored_them(session):
    """Aware datetimes, booleans, JSON lists and NULLs round-trip; left-out columns get their defaults."""
    connection = session.connection()
    index_schema.bump(connection)  # the write that takes SQLite's lock before ids are reserved
    [listing_id] = bulk.reserve_ids(connection, Listing.__table__, 1)
    start = datetime(2026, 3, 10, 19, 30, tzinfo=PARIS)
    bulk.insert_rows(
        connection,
        Listing.__table__,
        [
            {
                "id": listing_id,
                "kind": "club",
                "title": "Chess club",
                "start": start,
                "end": None,
                "free": True,
                "for_kids": False,
                "categories": ["Games", "Chess"],
                "lat": 48.85,
                "lon": None,
            }
        ],
    )
    bulk.insert_rows(
        connection,
        Occurrence.__table__,
        [
            {"listing_id": listing_id, "start": start + timedelta(weeks=week), "end": None, "status": "scheduled"}
            for week in range(2)
        ],
    )
    stored = session.get(Listing, listing_id)
    assert stored.start == start and stored.start.tzinfo is not None and stored.end is None
    assert (stored.free, stored.for_kids, stored.categories) == (True, False, ["Games", "Chess"])
    assert (stored.lat, stored.lon, stored.description, stored.liveness) == (48.85, None, "", "active")
    assert stored.first_seen is not None and stored.first_seen.tzinfo is not None
    assert [o.start for o in stored.occurrences] == [start, start + timedelta(weeks=1)]
    assert [o.all_day for o in stored.occurrences] == [False, False]


def test_new_listings_get_the_index_rows_a_refresh_would_write(session):
    source = Source(slug="weekly", adapter="ics", url="https://weekly.example/feed.ics", tags=["social"])
    session.add(source)
    session.flush()
    first = datetime(2026, 3, 10, 19, 0, tzinfo=PARIS)
    items = [
        Item(
            title="Chess club: all welcome",
            source_key="chess",
            start=first,
            description="Drop in: boards provided.",
            end=first + timedelta(hours=2),
            recurrence="FREQ=WEEKLY",
            timezone="Europe/Paris",
            lat=48.85,
            lon=2.35,
            categories=["Games"],
            venue=Venue(name="Café", locality="Paris"),
            free=True,
            audience=["kids"],
            occurrences=[
                ItemOccurrence(first + timedelta(weeks=w), first + timedelta(weeks=w, hours=2)) for w in range(3)
            ],
        ),
        Item(
            title="Online book club", source_key="books", start=first, online=True, online_url="https://meet.example/b"
        ),
        Item(title="Cancelled: river cleanup", source_key="river", start=first, lat=48.0, lon=2.0),
    ]
    ingest(session, source, items, now=NOW)
    session.flush()
    written = _index(session)
    assert len(written["geo"]) == 2  # the cancelled listing is not searchable
    index_writes.refresh(session, session.scalars(select(Listing.id)).all())
    assert _index(session) == written


def _index(session) -> dict:
    geo = session.execute(text("SELECT * FROM listing_geo ORDER BY id")).mappings().all()
    found = {"geo": [dict(row) for row in geo]}
    if session.get_bind().dialect.name == "sqlite":
        for table in index_schema.FTS_TABLES:
            found[table] = session.execute(
                text(f"SELECT rowid, title, body, tags, cell FROM {table} ORDER BY rowid")
            ).all()
    else:
        found["geo"] = [{**row, "tsv": str(row["tsv"])} for row in found["geo"]]
    return found


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(
        timezones=st.sampled_from(
            [UTC, PARIS, ZoneInfo("America/Los_Angeles"), timezone(timedelta(hours=5, minutes=45))]
        )
    )
)
def test_sqlite_stores_datetimes_as_sqlalchemy_does(value):
    """UTCDateTime's SQLite text is SQLAlchemy's DATETIME format of the UTC instant, whatever the zone given."""
    from sqlalchemy.dialects import sqlite

    from finder.models.base import UTCDateTime

    process = UTCDateTime().dialect_impl(sqlite.dialect()).bind_processor(sqlite.dialect())
    try:
        instant = value.astimezone(UTC)
    except OverflowError:  # beyond year 1 or 9999 in UTC
        return
    expected = instant.replace(tzinfo=None).isoformat(" ", "microseconds")
    assert process(value) == process(instant) == expected
    assert process(None) is None
