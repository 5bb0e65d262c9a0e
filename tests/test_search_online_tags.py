"""The online branch's floor with interests (finder/search/sql_online_tags.py on SQLite, sql_online_tags_postgres.py on
PostgreSQL) changes nothing: for many placeless listings with one, two or three of the searched tags, tied scores,
undated ones, rows over or offline, each page and total equal those of scoring every placeless match."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import text

from finder import ranking
from finder.search import sql_cache, sql_online, sql_online_levels, sql_online_tags, sql_online_tags_postgres
from tests.search_helpers import LONDON, NOW, add_listing, cold_page, connections_off_the_levels

LAT, LON = LONDON
TAGS = ("games", "music", "crafts", "dance")
QUERIES = (
    {"interests": "games"},
    {"interests": "games", "per_page": 5, "page": 3},
    {"interests": "games, music"},
    {"interests": "games, music", "per_page": 7, "page": 2},
    {"interests": "games, music, crafts"},
    {"interests": "music, crafts", "sort": "nearest", "per_page": 6},
    {"interests": "games, dance", "online": "only", "per_page": 30},
    {"interests": "dance"},
    {"interests": "games", "per_page": 1},  # small pages: the floor is the page's own last score
    {"interests": "games, music", "per_page": 2},
    {"interests": "music, dance", "per_page": 3, "sort": "nearest"},
    {"interests": "games, music", "free": "1"},  # filters beyond the default ones: every match scored
    {"interests": "games", "q": "night"},  # interests with words: every match scored
    {"interests": "games, music", "per_page": 40, "page": 3},  # beyond MAX_BRANCH_LIMIT rows: every match scored
)


@pytest.fixture
def tagged_crowd(session):
    """150 online listings, each with one to three of TAGS, over every connection level, start times shared (equal
    scores), a third undated; some over, some placeless but not online; one in-person listing near the point."""
    rng = random.Random(11)
    given = []
    for i in range(150):
        undated = i % 3 == 0
        given.append(rng.sample(TAGS, 1 + (i % 3)))
        add_listing(
            session,
            f"Online {'games night ' if i % 7 == 0 else ''}meeting {i}",
            online=True,
            tags=given[-1],
            rrule=rng.choice([None, "FREQ=WEEKLY;BYDAY=MO", "FREQ=MONTHLY;BYDAY=1TU"]),
            description=rng.choice(["", "All welcome, no experience needed", "A small group"]),
            free=rng.random() < 0.4,
            starts=None if undated else [NOW + timedelta(hours=rng.choice([1, 2, 2, 30, 200, 900]))],
        )
    for i in range(5):
        add_listing(session, f"Games evening {i} (over)", online=True, tags=["games"], starts=[NOW - timedelta(days=3)])
        add_listing(session, f"Games table {i} (not online)", tags=["games", "music"], starts=[NOW + timedelta(days=1)])
    add_listing(session, "Games Club", lat=LAT, lon=LON, tags=["games"], starts=[NOW + timedelta(days=1)])
    session.commit()
    return given


def scored_every_match(session, monkeypatch, queries) -> dict:
    monkeypatch.setattr(sql_online, "prunable", lambda plan: False)
    return {str(args): cold_page(session, args) for args in queries}


@pytest.mark.parametrize("levels", [sql_online_levels.MAX_LEVELS, 1])
def test_the_floor_with_interests_keeps_every_page_and_total(session, tagged_crowd, monkeypatch, levels):
    """Floored whatever the tags' matches (`MIN_SHARE` 0); with one connection level read by its own ranges and
    the others whole (`MAX_LEVELS` 1) too."""
    monkeypatch.setattr(sql_online_tags, "MIN_SHARE", 0)
    monkeypatch.setattr(sql_online_tags_postgres, "MIN_SHARE", 0)
    monkeypatch.setattr(sql_online_levels, "MAX_LEVELS", levels)
    floored = {str(args): cold_page(session, args) for args in QUERIES}
    assert floored == scored_every_match(session, monkeypatch, QUERIES)
    ids, _scores, total = floored[str({"interests": "games"})]
    assert len(ids) == 20 and total == 1 + sum("games" in tags for tags in tagged_crowd)


def test_rare_tags_are_scored_every_match(session, tagged_crowd, monkeypatch):
    """Tag matches fewer than `MIN_SHARE` of the placeless rows: no floor, every match scored, the same pages."""
    monkeypatch.setattr(sql_online_tags, "MIN_SHARE", 2.0)
    monkeypatch.setattr(sql_online_tags_postgres, "MIN_SHARE", 2.0)
    rare = {str(args): cold_page(session, args) for args in QUERIES[:6]}
    assert rare == scored_every_match(session, monkeypatch, QUERIES[:6])


def test_the_floor_is_real_rows_only(session, tagged_crowd, monkeypatch):
    """Fewer passing rows than the page asks (the seeds cannot fill it): no floor, every row found."""
    monkeypatch.setattr(sql_online_tags, "MIN_SHARE", 0)
    monkeypatch.setattr(sql_online_tags_postgres, "MIN_SHARE", 0)
    queries = ({"interests": "games", "online": "only", "per_page": 100}, {"interests": "dance", "per_page": 90})
    floored = {str(args): cold_page(session, args) for args in queries}
    assert floored == scored_every_match(session, monkeypatch, queries)


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)  # SQLite has no plan cache
def test_postgres_plans_the_floored_statement_once_and_keeps_its_setting(session, tagged_crowd, monkeypatch):
    """PostgreSQL: from the statement's 5th use on a connection (psycopg prepares it then) it runs on a generic
    plan, planned once; its pages stay those of scoring every match, and the connection's own plan_cache_mode (an
    operator's setting) is as it was after each search."""
    monkeypatch.setattr(sql_online_tags_postgres, "MIN_SHARE", 0)
    queries = [{"interests": tag} for tag in (*TAGS, *TAGS)]  # one statement text: eight uses
    session.execute(text("SET plan_cache_mode = force_custom_plan"))
    try:
        floored = {}
        for args in queries:
            floored[str(args)] = cold_page(session, args)
            assert session.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
        generic = session.execute(
            text("SELECT generic_plans FROM pg_prepared_statements WHERE statement LIKE :marked"),
            {"marked": sql_cache.PLAN_ONCE + "WITH every_tag%"},
        ).scalars()
        assert max(generic, default=0) >= 1
    finally:
        session.execute(text("RESET plan_cache_mode"))
    assert floored == scored_every_match(session, monkeypatch, queries)


def test_connections_off_the_known_levels_keep_every_page_and_total(session, tagged_crowd, monkeypatch):
    """Rows whose connection is none of `ranking.connection_levels()` are read too (PostgreSQL reads them between
    and beyond the known levels; SQLite finds every level in its index)."""
    monkeypatch.setattr(sql_online_tags, "MIN_SHARE", 0)
    monkeypatch.setattr(sql_online_tags_postgres, "MIN_SHARE", 0)
    assert not connections_off_the_levels(session, 5) <= set(ranking.connection_levels())
    floored = {str(args): cold_page(session, args) for args in QUERIES}
    assert floored == scored_every_match(session, monkeypatch, QUERIES)
