"""The online branch's score floor (finder/search/sql_online.py) changes nothing: on both databases, for many
placeless listings with tied scores, undated ones, filters and words, each page and total equal those of scoring
every placeless row, and the order is `ranking.score()` order."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from finder import ranking
from finder.search import SearchQuery, run_search, sql_online, sql_online_levels, sql_online_tsv, sql_online_words
from tests.search_helpers import LONDON, NOW, add_listing, cold_page, connections_off_the_levels

LAT, LON = LONDON
QUERIES = (
    {},
    {"per_page": 5},
    {"per_page": 5, "page": 3},
    {"sort": "nearest", "per_page": 7},
    {"kind": "event"},
    {"free": "1"},
    {"when": "week"},
    {"online": "only", "per_page": 9},
    {"q": "chess"},
    {"q": "chess", "per_page": 4, "page": 2},
    {"q": "meeting", "free": "1"},
    {"q": "origami"},
    {"q": "chess", "sort": "nearest", "per_page": 6},
)


@pytest.fixture
def online_crowd(session):
    """90 online listings over every connection level, a few start times shared (equal scores), a third undated,
    and one in-person listing near the point."""
    rng = random.Random(5)
    for i in range(90):
        undated = i % 3 == 0
        add_listing(
            session,
            f"Online {'chess ' if i % 4 == 0 else ''}{'origami ' if i % 30 == 0 else ''}meeting {i}",
            online=True,
            kind=rng.choice(["online", "event", "club"]),
            rrule=rng.choice([None, "FREQ=WEEKLY;BYDAY=MO", "FREQ=MONTHLY;BYDAY=1TU"]),
            description=rng.choice(["", "All welcome, no experience needed", "A small group"])
            + (" Chess boards provided." if i % 5 == 0 else ""),
            free=rng.random() < 0.4,
            starts=None if undated else [NOW + timedelta(hours=rng.choice([2, 2, 30, 200, 900]))],
        )
    add_listing(session, "Chess Club", lat=LAT, lon=LON, starts=[NOW + timedelta(days=1)])
    session.commit()


def search(session, args: dict):
    return cold_page(session, args)


def test_the_floor_keeps_every_page_and_total(session, online_crowd, monkeypatch):
    pruned = {str(args): search(session, args) for args in QUERIES}
    monkeypatch.setattr(sql_online, "prunable", lambda plan: False)  # score every placeless row
    for args in QUERIES:
        assert pruned[str(args)] == search(session, args), args
    assert len(pruned[str({})][0]) == 20 and pruned[str({})][2] == 91


@pytest.mark.parametrize("levels", [1, 2])
def test_levels_past_the_last_read_whole_keep_every_page_and_total(session, online_crowd, monkeypatch, levels):
    """SQLite reads the rows that can reach the floor level by level of connection (`sql_online_levels`), the levels
    past MAX_LEVELS whole: with one or two levels read one by one, the same pages and totals as scoring every row."""
    queries = [args for args in QUERIES if "q" not in args]
    pruned = {str(args): search(session, args) for args in queries}
    monkeypatch.setattr(sql_online_levels, "MAX_LEVELS", levels)
    for args in queries:
        assert pruned[str(args)] == search(session, args), args
    monkeypatch.setattr(sql_online, "prunable", lambda plan: False)
    for args in queries:
        assert pruned[str(args)] == search(session, args), args


def test_connections_off_the_known_levels_keep_every_page_and_total(session, online_crowd, monkeypatch):
    """Rows whose connection is none of `ranking.connection_levels()` (an older formula's, an operator's edit) are
    read too: PostgreSQL reads them between and beyond the known levels, SQLite finds every level in its index."""
    assert not connections_off_the_levels(session, 11) <= set(ranking.connection_levels())
    queries = [args for args in QUERIES if "q" not in args]
    pruned = {str(args): search(session, args) for args in queries}
    monkeypatch.setattr(sql_online, "prunable", lambda plan: False)
    for args in queries:
        assert pruned[str(args)] == search(session, args), args


@pytest.mark.parametrize("walk", [0, 1, 10**4])
def test_filters_floored_or_all_scored_keep_every_page_and_total(session, online_crowd, monkeypatch, walk):
    """With filters beyond the default ones the floor's seeds look at the first rows of the rank index only
    (`sql_online.WALK_PER_ROW`): none (every passing row scored), a few (a floor only when enough of them pass), or
    all of them (a floor whenever a page of rows passes): the same pages and totals as scoring every row."""
    queries = [
        {"kind": "event"},
        {"kind": "online", "per_page": 5, "page": 2},
        {"free": "1"},
        {"when": "week"},
        {"free": "1", "sort": "nearest", "per_page": 3},
        {"kind": "volunteer"},  # none passes
    ]
    monkeypatch.setattr(sql_online, "WALK_PER_ROW", walk)
    pruned = {str(args): search(session, args) for args in queries}
    monkeypatch.setattr(sql_online, "prunable", lambda plan: False)
    for args in queries:
        assert pruned[str(args)] == search(session, args), args
    assert pruned[str({"kind": "volunteer"})] == ([], [], 0)


def test_the_floored_order_is_ranking_order(session, online_crowd):
    ids, scores, _ = search(session, {"online": "only", "per_page": 40})
    page = run_search(
        session, SearchQuery.from_args({"lat": str(LAT), "lon": str(LON), "per_page": "100"}), None, now=NOW
    )
    expected = []
    for result in page.results:
        item = result.listing
        if not item.online:
            continue
        hours = None if item.next_start is None else max(item.next_start.timestamp() - NOW.timestamp(), 0.0) / 3600.0
        score = ranking.score(
            distance_km=None,
            has_place=True,
            online=True,
            interest_overlap=0.0,
            text_relevance=0.0,
            hours_until_start=hours,
            connection=item.connection_score,
        )
        expected.append((-score, item.id))
    assert len(expected) == 90
    assert ids == [i for _, i in sorted(expected)[:40]]
    assert scores == pytest.approx([-s for s, _ in sorted(expected)[:40]], abs=1e-9)


def test_counts_with_words_leave_out_placeless_rows_over_or_offline(session, online_crowd, monkeypatch):
    """SQLite counts the words' matches in the text index less the matching rows that fail the filters
    (finder.search.sql_online_words): rows over, and placeless rows that are not online, are left out."""
    for i in range(6):
        add_listing(session, f"Chess evening {i} (over)", online=True, starts=[NOW - timedelta(days=3 + i)])
        add_listing(session, f"Chess table {i} (no place, not online)", starts=[NOW + timedelta(days=1 + i)])
    session.commit()
    queries = ({"q": "chess"}, {"q": "chess", "per_page": 3}, {"q": "origami"}, {"q": "chess", "free": "1"})
    pruned = {str(args): search(session, args) for args in queries}
    monkeypatch.setattr(sql_online, "prunable", lambda plan: False)
    for args in queries:
        assert pruned[str(args)] == search(session, args), args
    assert pruned[str({"q": "chess"})][2] == 37  # 36 online matches that are not over, and the Chess Club


def test_common_words_tested_row_by_row_keep_every_page_and_total(session, online_crowd, monkeypatch):
    """With many matches the floor's seed tests each row against the text index instead of building a set of
    every match (finder.search.sql_online_words.MEMBERSHIP): the same pages and totals."""
    queries = [args for args in QUERIES if "q" in args]
    by_set = {str(args): search(session, args) for args in queries}
    monkeypatch.setattr(sql_online_words, "DENSE_MATCHES", 0)  # every word counts as common
    for args in queries:
        assert by_set[str(args)] == search(session, args), args


@pytest.mark.parametrize("walk", [0, 10**6])
def test_words_floored_or_all_scored_keep_every_page_and_total(session, online_crowd, monkeypatch, walk):
    """PostgreSQL with words (finder.search.sql_online_tsv): whether the seed finds the words rare (every match
    scored) or common (a floor, then only the rows whose ceiling reaches it), the same pages and totals, with the
    rows over or offline left out of the count."""
    for i in range(6):
        add_listing(session, f"Chess evening {i} (over)", online=True, starts=[NOW - timedelta(days=3 + i)])
        add_listing(session, f"Chess table {i} (no place, not online)", starts=[NOW + timedelta(days=1 + i)])
    session.commit()
    queries = [args for args in QUERIES if "q" in args] + [
        {"q": "chess", "when": "week"},
        {"q": "meeting", "per_page": 3, "page": 5},
        {"q": "online meeting", "sort": "nearest"},
        {"q": "chess", "online": "only", "per_page": 15},
        {"q": "meeting", "per_page": 60, "page": 2},  # beyond MAX_BRANCH_LIMIT rows: every match scored
    ]
    monkeypatch.setattr(sql_online_tsv, "WALK", walk)  # 0: no seed, so no floor; 10**6: every row walked
    pruned = {str(args): search(session, args) for args in queries}
    monkeypatch.setattr(sql_online, "prunable", lambda plan: False)
    for args in queries:
        assert pruned[str(args)] == search(session, args), args
    assert pruned[str({"q": "chess"})][2] == 37


def test_counts_without_words_leave_out_placeless_rows_over_or_offline(session, online_crowd, monkeypatch):
    """PostgreSQL counts the placeless rows search_meta keeps less those over or offline (finder.search.sql_online),
    SQLite its placeless table's rows less the same: the same pages and totals as scoring and counting every
    placeless row."""
    for i in range(6):
        add_listing(session, f"Evening {i} (over)", online=True, starts=[NOW - timedelta(days=3 + i)])
        add_listing(session, f"Table {i} (no place, not online)", starts=[NOW + timedelta(days=1 + i)])
    session.commit()
    queries = ({}, {"per_page": 5, "page": 3}, {"online": "only"}, {"sort": "nearest"}, {"free": "1"}, {"kind": "club"})
    pruned = {str(args): search(session, args) for args in queries}
    monkeypatch.setattr(sql_online, "prunable", lambda plan: False)
    monkeypatch.setattr(sql_online_words, "subtractable", lambda plan: False)  # and every passing row counted
    for args in queries:
        assert pruned[str(args)] == search(session, args), args
    assert pruned[str({})][2] == 91 and pruned[str({"online": "only"})][2] == 90


def test_counts_with_interests_leave_out_placeless_rows_over_or_offline(session, online_crowd, monkeypatch):
    """SQLite scores the online branch row by row with interests, and counts the tag tokens' matches in the text
    index less the matching rows over or offline (`sql_online_words.count_sql`): the same totals as counting every
    passing row."""
    for i in range(8):
        add_listing(session, f"Online games night {i}", online=True, tags=["games"], starts=[NOW + timedelta(days=i)])
        add_listing(session, f"Games evening {i} (over)", online=True, tags=["games"], starts=[NOW - timedelta(days=3)])
        add_listing(
            session, f"Games table {i} (no place, not online)", tags=["games"], starts=[NOW + timedelta(days=1)]
        )
    session.commit()
    queries = (
        {"interests": "games"},
        {"interests": "games", "per_page": 3, "page": 2},
        {"interests": "games", "q": "night"},
        {"interests": "games", "sort": "soonest"},
        {"interests": "games", "free": "1"},
        {"sort": "soonest"},
    )
    subtracted = {str(args): search(session, args) for args in queries}
    monkeypatch.setattr(sql_online_words, "subtractable", lambda plan: False)
    for args in queries:
        assert subtracted[str(args)] == search(session, args), args
    assert subtracted[str({"interests": "games"})][2] == 8
