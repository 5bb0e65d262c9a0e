"""PostgreSQL keeps the number of placeless index rows in search_meta (finder.index.schema's triggers): it stays
equal to a count of them through every kind of write, and a database that never counted them counts them again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from finder.index import NO_PLACE_BAND, schema
from finder.index import writes as index_writes
from tests.search_helpers import LONDON, NOW, add_listing

pytestmark = pytest.mark.parametrize("db_url", ["postgres"], indirect=True)  # SQLite counts its narrow table


def kept_and_counted(session) -> tuple[int, int]:
    kept = session.execute(text("SELECT placeless FROM search_meta WHERE id = 1")).scalar()
    counted = session.execute(text(f"SELECT count(*) FROM listing_geo WHERE lat_band = {NO_PLACE_BAND}")).scalar()
    return kept, counted


def test_the_kept_count_follows_every_write(session):
    placeless = [add_listing(session, f"Online {i}", online=True, starts=[NOW + timedelta(days=i)]) for i in range(5)]
    placed = add_listing(session, "Chess Club", lat=LONDON[0], lon=LONDON[1])
    assert kept_and_counted(session) == (5, 5)
    placeless[0].liveness = "hidden"  # a refresh deletes its row and writes nothing back
    index_writes.refresh(session, [placeless[0].id, placeless[1].id, placed.id])
    assert kept_and_counted(session) == (4, 4)
    session.execute(text(f"UPDATE listing_geo SET lat_band = {NO_PLACE_BAND} WHERE id = :id"), {"id": placed.id})
    assert kept_and_counted(session) == (5, 5)
    session.execute(text("DELETE FROM listing_geo WHERE id = :id"), {"id": placeless[2].id})
    assert kept_and_counted(session) == (4, 4)
    session.rollback()  # the count went back with the rows
    assert kept_and_counted(session) == (0, 0)
    add_listing(session, "Online again", online=True)
    session.commit()
    session.execute(text("TRUNCATE listing_geo"))
    assert kept_and_counted(session) == (0, 0)
    session.rollback()
    schema.clear(session.connection())
    assert kept_and_counted(session) == (0, 0)
    session.rollback()
    assert kept_and_counted(session) == (1, 1)


def test_a_count_never_taken_is_taken_when_the_objects_are_made(session):
    add_listing(session, "Online", online=True)
    add_listing(session, "Online too", online=True)
    session.execute(text("UPDATE search_meta SET placeless = NULL WHERE id = 1"))
    schema.create_objects(session.connection())
    assert kept_and_counted(session) == (2, 2)
    session.rollback()


def test_a_write_from_another_search_path_counts_beside_its_table(session):
    own = session.execute(text("SELECT current_schema()")).scalar()
    session.execute(text("SET LOCAL search_path = pg_catalog"))  # no search_meta to be found by name
    session.execute(
        text(
            f'INSERT INTO "{own}".listing_geo (id, lat_band, lon, kind, flags, days_mask, times_mask, connection, '
            f"tags, title_norm, tsv) VALUES (1, {NO_PLACE_BAND}, 0, 'club', 512, 0, 0, 0.5, '', '', '')"
        )
    )
    session.execute(text(f'SET LOCAL search_path = "{own}"'))
    assert kept_and_counted(session) == (1, 1)
    session.rollback()
