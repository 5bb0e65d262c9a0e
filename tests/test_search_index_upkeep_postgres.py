"""PostgreSQL's search index as imports leave it. Its text indexes take new entries into a pending list (GIN's
fastupdate) that every search with words reads in full until VACUUM or a 4 MB list merges it: each index write moves
its entries into the index's tree (finder.index.writes.GIN_CLEAN), so searches never read a list left by an import. A
role that does not own the indexes cannot do that (as it could not VACUUM them): its writes still succeed, and it is
said once. And the table is analysed and vacuumed after 1 % of its rows changed (migration 0018), not autovacuum's
10-20 %."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text

from finder.db.engine import make_engine
from finder.index.writes import TEXT_INDEXES
from finder.ingest.importer import ingest
from finder.models import Source
from scrapers.listing import Listing as Item
from tests.search_helpers import LONDON, NOW, add_listing, cold_page

POSTGRES = pytest.mark.parametrize("db_url", ["postgres"], indirect=True)  # SQLite's FTS5 has no pending list


def pending_pages(session) -> dict[str, int]:
    """Pages each text index still holds in its pending list (moving them, so the list is read once)."""
    return {
        name: session.execute(text("SELECT gin_clean_pending_list(to_regclass(:name))"), {"name": name}).scalar_one()
        for name in TEXT_INDEXES
    }


def items(count: int) -> list[Item]:
    return [
        Item(
            title=f"Chess evening {i}",
            description="Friendly games, beginners welcome.",
            source_key=f"chess-{i}",
            start=NOW + timedelta(days=1 + i),
            timezone="Europe/London",
            **(
                {"online": True, "online_url": f"https://chess.example/{i}"}
                if i % 2
                else {"lat": LONDON[0], "lon": LONDON[1]}
            ),
        )
        for i in range(count)
    ]


@POSTGRES
def test_an_import_and_a_refresh_leave_no_pending_entries(session):
    source = Source(slug="chess", adapter="ics", url="https://chess.example/feed.ics")
    session.add(source)
    session.flush()
    report = ingest(session, source, items(40), now=NOW)  # new listings: written in bulk
    assert report.inserted == 40
    assert pending_pages(session) == {"listing_geo_tsv": 0, "listing_geo_online_tsv": 0}
    add_listing(session, "Online chess club", online=True)  # one listing: written by index.refresh
    add_listing(session, "Chess in the park", lat=LONDON[0], lon=LONDON[1])
    assert pending_pages(session) == {"listing_geo_tsv": 0, "listing_geo_online_tsv": 0}
    session.commit()
    _ids, _scores, total = cold_page(session, {"q": "chess", "radius_km": 25})
    assert total == 42  # 20 imported in London, 20 imported online, the two added


@pytest.fixture
def guest_role(session):
    """A role that may read and write the index but owns nothing, as a deployment's web role might."""
    role = f"guest_{uuid.uuid4().hex[:10]}"
    schema = session.execute(text("SELECT current_schema()")).scalar_one()
    session.execute(text(f'CREATE ROLE "{role}"'))
    session.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"'))
    session.execute(text(f'GRANT ALL ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"'))
    session.execute(text(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{role}"'))
    session.commit()
    yield role
    session.rollback()
    session.execute(text("RESET ROLE"))
    session.execute(text(f'DROP OWNED BY "{role}"'))
    session.execute(text(f'DROP ROLE "{role}"'))
    session.commit()


@POSTGRES
def test_a_role_that_does_not_own_the_indexes_still_writes_and_is_told_once(session, guest_role, caplog):
    session.execute(text("DROP TABLE IF EXISTS pg_temp.listing_geo_staging"))  # made by the owner on this connection
    session.execute(text(f'SET ROLE "{guest_role}"'))
    with caplog.at_level(logging.WARNING, logger="finder.index.writes"):
        add_listing(session, "Online chess club", online=True)
        add_listing(session, "Chess in the park", lat=LONDON[0], lon=LONDON[1])
    warned = [r for r in caplog.records if "pending entries are left for VACUUM" in r.getMessage()]
    assert len(warned) == 1  # once per connection, not per write
    session.execute(text("RESET ROLE"))
    assert sum(pending_pages(session).values()) >= 1  # left in the lists, as before the change
    session.commit()
    _ids, _scores, total = cold_page(session, {"q": "chess", "radius_km": 25})
    assert total == 2


AUTOVACUUM = {
    "autovacuum_analyze_scale_factor=0.01",
    "autovacuum_vacuum_scale_factor=0.01",
    "autovacuum_vacuum_insert_scale_factor=0.01",
}
OPTIONS = "SELECT reloptions FROM pg_class WHERE oid = to_regclass('listing_geo')"


@POSTGRES
def test_the_index_is_analysed_and_vacuumed_from_one_percent_of_changes(session):
    assert set(session.execute(text(OPTIONS)).scalar_one()) >= AUTOVACUUM  # made by finder.index.schema


@pytest.mark.parametrize("migrated_url", ["postgres"], indirect=True)
def test_the_migrations_set_the_same(migrated_url):
    engine = make_engine(migrated_url)
    try:
        with engine.connect() as connection:
            assert set(connection.execute(text(OPTIONS)).scalar_one()) >= AUTOVACUUM
    finally:
        engine.dispose()
