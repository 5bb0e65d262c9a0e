"""The ORM page of `run_search` (web pages, CLI, alert welcome): session-attached `Listing`s whose tags (and, with
a date window, occurrences) are loaded with the page, the values a `selectinload` of the same listings gives; and
the column readers that load takes its speed from (`read_json`, UTCDateTime on SQLite)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import psycopg
from sqlalchemy.orm import selectinload

from finder.db.engine import read_json
from finder.models import Listing
from finder.models.base import UTCDateTime
from finder.search import SearchQuery, run_search
from tests.search_helpers import LONDON, NOW
from tests.test_search import town  # noqa: F401 (the fixture)

LAT, LON = LONDON


def page(session, **args):
    query = SearchQuery.from_args({"lat": str(LAT), "lon": str(LON), "radius_km": "30", **args})
    return run_search(session, query, None, now=NOW)


def statements_while(session, read) -> int:
    """How many SQL statements `read()` runs."""
    count = []

    def count_one(*_args):
        count.append(1)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count_one)
    try:
        read()
    finally:
        event.remove(engine, "before_cursor_execute", count_one)
    return len(count)


def reference(session, ids: list[int]) -> dict[int, tuple]:
    """What the ORM's own loaders give for these listings: tags by slug, occurrences by start."""
    session.expunge_all()
    statement = select(Listing).where(Listing.id.in_(ids))
    statement = statement.options(selectinload(Listing.tags), selectinload(Listing.occurrences))
    return {
        listing.id: (
            [(t.id, t.slug, t.label, t.facet) for t in listing.tags],
            [(o.id, o.start, o.end, o.status) for o in listing.occurrences],
        )
        for listing in session.scalars(statement)
    }


@pytest.mark.parametrize("window", [None, "week"])
def test_orm_page_listings_come_attached_with_their_collections(session, town, window):  # noqa: F811
    results = page(session, **({"when": window} if window else {})).results
    assert results
    listings = [r.listing for r in results]
    assert all(isinstance(listing, Listing) and listing in session for listing in listings)
    assert all(tag in session for listing in listings for tag in listing.tags)
    loaded = ["tags", "occurrences"] if window else ["tags"]
    assert statements_while(session, lambda: [getattr(x, name) for x in listings for name in loaded]) == 0
    got = {x.id: ([(t.id, t.slug, t.label, t.facet) for t in x.tags], x.occurrences) for x in listings}
    got = {i: (tags, [(o.id, o.start, o.end, o.status) for o in occurrences]) for i, (tags, occurrences) in got.items()}
    assert got == reference(session, list(got))
    assert any(tags for tags, _ in got.values()) and (not window or any(o for _, o in got.values()))


def test_collections_a_listing_already_holds_are_kept(session, town):  # noqa: F811
    """As the ORM's eager loaders do: a listing the session held with its tags and occurrences keeps them."""
    first = page(session, when="week").results[0].listing
    held = first.tags, first.occurrences
    again = page(session, when="week").results[0].listing
    assert again is first and (again.tags, again.occurrences) == held
    assert again.tags is held[0] and again.occurrences is held[1]


@pytest.mark.parametrize("text", ["[]", "{}", b"[]", b"{}", '["a", 1]', b'{"k": [1.5, null]}', " [] ", "NaN"])
def test_read_json_reads_as_json_loads(text):
    assert repr(read_json(text)) == repr(json.loads(text))
    assert read_json("[]") is not read_json("[]"), "a fresh list each time: callers may change it"


@pytest.mark.parametrize(
    "text",
    ["2026-12-07 02:52:04.832034", "2026-12-07 02:52:04", "2026-12-07T02:52", "2026-12-07", "2026-12-07 02:52+02:00"],
)
def test_utc_datetimes_read_on_sqlite_as_before(text):
    read = UTCDateTime().result_processor(sqlite.dialect(), None)
    value = read(text)
    assert value == datetime.fromisoformat(text).replace(tzinfo=UTC) and value.tzinfo is UTC
    assert read(None) is None


def test_utc_datetimes_read_on_postgresql_as_before():
    dialect = psycopg.dialect()
    read = UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)
    berlin = datetime(2026, 12, 7, 3, 52, tzinfo=ZoneInfo("Europe/Berlin"))
    for value in (berlin, berlin.replace(tzinfo=None), berlin.astimezone(UTC), None):
        assert read(value) == UTCDateTime().process_result_value(value, dialect)
    assert read(berlin).tzinfo is UTC and read(berlin) == berlin
