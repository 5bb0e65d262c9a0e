"""PostgreSQL keeps, per lexeme, how many placeless index rows hold it (`listing_geo_online_lexemes`, kept by
finder.index.schema's triggers, migration 0015): the table stays equal to a recount through every kind of write, and a
first search with one word counts its online matches from it (finder.search.sql_online_tsv) with the totals of
counting every match."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from finder.index import NO_PLACE_BAND, schema
from finder.index import writes as index_writes
from finder.search import sql_online, sql_online_tsv
from tests.search_helpers import LONDON, NOW, add_listing, cold_page

pytestmark = pytest.mark.parametrize("db_url", ["postgres"], indirect=True)  # SQLite's text index counts itself

RECOUNT = (
    "SELECT lexeme, count(*) FROM listing_geo, unnest(tsvector_to_array(tsv)) AS lexeme "
    f"WHERE lat_band = {NO_PLACE_BAND} GROUP BY lexeme"
)


def kept_and_counted(session) -> tuple[dict, dict]:
    kept = dict(session.execute(text("SELECT lexeme, rows FROM listing_geo_online_lexemes WHERE rows <> 0")).all())
    return kept, dict(session.execute(text(RECOUNT)).all())


def assert_in_step(session) -> dict:
    kept, counted = kept_and_counted(session)
    assert kept == counted
    return kept


def test_the_kept_counts_follow_every_write(session):
    placeless = [
        add_listing(session, f"Online chess evening {i}", online=True, starts=[NOW + timedelta(days=i)])
        for i in range(4)
    ]
    placed = add_listing(session, "Chess Club of the town", lat=LONDON[0], lon=LONDON[1])
    kept = assert_in_step(session)
    assert kept["chess"] == 4 and "town" not in kept  # placed rows are not counted
    placeless[0].liveness = "hidden"  # a refresh deletes its row and writes nothing back
    index_writes.refresh(session, [placeless[0].id, placeless[1].id, placed.id])
    assert assert_in_step(session)["chess"] == 3
    session.execute(text(f"UPDATE listing_geo SET lat_band = {NO_PLACE_BAND} WHERE id = :id"), {"id": placed.id})
    assert assert_in_step(session)["town"] == 1
    session.execute(
        text("UPDATE listing_geo SET tsv = to_tsvector('english', 'knitting') WHERE id = :id"), {"id": placeless[2].id}
    )
    kept = assert_in_step(session)
    assert kept["chess"] == 3 and kept["knit"] == 1  # the placed row, made placeless, counts too
    session.execute(text("DELETE FROM listing_geo WHERE id = :id"), {"id": placeless[3].id})
    assert assert_in_step(session)["chess"] == 2
    session.rollback()  # the counts went back with the rows
    assert kept_and_counted(session) == ({}, {})
    add_listing(session, "Online origami", online=True)
    session.commit()
    assert assert_in_step(session)["origami"] == 1
    session.execute(text("TRUNCATE listing_geo"))
    assert kept_and_counted(session) == ({}, {})
    session.rollback()
    schema.clear(session.connection())
    assert kept_and_counted(session) == ({}, {})
    session.rollback()
    assert assert_in_step(session)["origami"] == 1


def test_counts_never_taken_are_taken_when_the_objects_are_made(session):
    add_listing(session, "Online chess", online=True)
    add_listing(session, "Online chess too", online=True)
    session.execute(text("DELETE FROM listing_geo_online_lexemes"))
    schema.create_objects(session.connection())
    assert assert_in_step(session)["chess"] == 2
    session.rollback()


def test_a_write_from_another_search_path_counts_beside_its_table(session):
    own = session.execute(text("SELECT current_schema()")).scalar()
    session.execute(text("SET LOCAL search_path = pg_catalog"))  # no listing_geo_online_lexemes to be found by name
    session.execute(
        text(
            f'INSERT INTO "{own}".listing_geo (id, lat_band, lon, kind, flags, days_mask, times_mask, connection, '
            f"tags, title_norm, tsv) VALUES (1, {NO_PLACE_BAND}, 0, 'club', 512, 0, 0, 0.5, '', '', "
            "to_tsvector('english', 'origami'))"
        )
    )
    session.execute(text(f'SET LOCAL search_path = "{own}"'))
    assert assert_in_step(session) == {"origami": 1}
    session.rollback()


# one plain word each, common and rare; a stop word (no lexeme), a hyphenated word (a phrase), one with an apostrophe,
# one nothing holds; the 'simple' tokens of cells and tags are lexemes too. 'e-mail' and "o'clock" are phrases
WORDS = ("chess", "meeting", "origami", "the", "e-mail", "o'clock", "zeppelin", "geonline", "tgboardgames")


@pytest.fixture
def online_words(session):
    for i in range(40):
        add_listing(
            session,
            f"Online {'chess ' if i % 3 == 0 else ''}{'origami ' if i % 13 == 0 else ''}meeting {i}",
            online=True,
            tags=("board-games",) if i % 4 == 0 else (),
            description=("Details by e-mail. " if i % 5 == 0 else "") + ("Starts at six o'clock." if i % 7 else ""),
            starts=None if i % 6 == 0 else [NOW + timedelta(hours=1 + 7 * i)],
        )
    for i in range(5):  # matching rows the count leaves out: over, and placeless but not online
        add_listing(session, f"Chess evening {i} (over)", online=True, starts=[NOW - timedelta(days=3 + i)])
        add_listing(session, f"Chess meeting {i} (no place, not online)", starts=[NOW + timedelta(days=1 + i)])
    add_listing(session, "Chess Club", lat=LONDON[0], lon=LONDON[1], starts=[NOW + timedelta(days=1)])
    session.commit()


@pytest.mark.parametrize("word", WORDS)
def test_one_word_counted_by_its_lexeme_keeps_every_page_and_total(session, online_words, monkeypatch, word):
    queries = ({"q": word}, {"q": word, "per_page": 3, "page": 2}, {"q": word, "online": "only"})
    by_lexeme = {str(args): cold_page(session, args) for args in queries}
    counted = []
    monkeypatch.setattr(sql_online_tsv, "_WORD_MATCHES", "{matches}")  # every match counted in the text index
    for args in queries:
        assert by_lexeme[str(args)] == cold_page(session, args), args
        counted.append(by_lexeme[str(args)][2])
    monkeypatch.setattr(sql_online, "prunable", lambda plan: False)  # every placeless match scored
    assert by_lexeme[str(queries[0])] == cold_page(session, queries[0])
    if word == "chess":
        assert counted[2] == 14  # 14 online rows of 40 hold it; those over or not online are left out


def test_the_lexeme_is_read_for_one_plain_word_only(session, online_words):
    """The statement takes the lexeme's row only when the word's query is one lexeme; else it counts the matches."""
    held = session.execute(
        text(
            "SELECT w, numnode(to_tsquery('english', w)) = 1 AND right(to_tsquery('english', w)::text, 1) = '''' "
            "FROM unnest(CAST(:words AS text[])) AS w"
        ),
        {"words": list(WORDS)},
    ).all()
    assert dict(held) == {word: word not in ("the", "e-mail", "o'clock") for word in WORDS}
