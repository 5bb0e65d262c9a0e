"""PostgreSQL: the online branch with words, its best rows without scoring every placeless row that has the words.

Why: a common word matches half the placeless rows ("club": 21,000 of 40,000 at 1M listings), and the first
search of a filter set (before its answer is remembered, `sql_cache`) scored and materialised every match: ~14 ms,
most of a cold search's 17-20 ms p95. Now, as without words (`sql_online`), a score floor from real rows: the first
rows in the order of `listing_geo_online_rank` (most connected first) that pass the filters, those of them that have
the words. The rows that can reach the floor are then found in that index alone: their score with a relevance of 1
(its most; every other component is an index column) is at least the floor, a tighter bound than connection alone
(~30 candidates for "club" instead of ~4,000), and they are read level by level of connection, each level only up to
the start whose timeliness can still reach the floor (`sql_online_levels.postgres_level_rows`: ~60 index entries
read where the whole range above the least connection was ~4,000). Only those are read to test the words and be
scored; the index's entries and a row's words live apart, so each candidate's row is read on its own (`OFFSET 0`
keeps the planner from replacing these reads by a scan of every match, which its estimates of a word's matches would
often pick).
The count still visits each match (PostgreSQL 15 reads the heap for a bitmap count), but reads no column of it:
the matches less the few failing rows (`_SUBTRACTED_COUNT`).
Rare words: the seed finds too few of them among its rows, and every match is scored, as before (cheap for few
matches); of the two statements one never runs (a one-time filter on the floor). Same rows, order and total as
scoring every match: a row below the floor cannot be in the page, and the bounds keep a 1e-9 margin for rounding.
Planned once per connection (`sql_cache.PLAN_ONCE`). The bench's first searches with words at 1M listings, taking
turns per search with the statement before the levels, two passes: p50 10.85 -> 10.22 and 11.38 -> 10.57 ms.
"""

# ruff: noqa: S608  -- statements are assembled from fixed fragments; every value is a bound parameter

from __future__ import annotations

from typing import TYPE_CHECKING

from finder.index import FLAG_BITS, NO_PLACE_BAND
from finder.search import sql_online_levels
from finder.search.sql_cache import PLAN_ONCE
from finder.search.sql_online_words import subtractable

if TYPE_CHECKING:
    from finder.search.sql import Plan

# The seed reads WALK x branch_limit rows, and the floor is taken when branch_limit of them have the words (a fifth
# or more): reading them in rank order then beats scoring every match (at 1M listings, the online branch of one
# search: 54% of the placeless rows match 14.7 -> 8.0 ms, 30% 9.4 -> 6.2 ms, 21% 7.3 -> 5.6 ms; below, the floor
# read too many rows: 11% 4.4 -> 6.4 ms, 6% 3.5 -> 9.7 ms). Rarer words: ~1 ms more than before (the seed's reads).
WALK = 5
# Deep pages: the walk and the rows reaching a lower floor grow with branch_limit, scoring every match does not
# ("club" at 1M listings: 100 rows 9.6 vs 15.5 ms, 200 rows 13.8 vs 14.4 ms, 500 rows 26 vs 15 ms): beyond this
# many rows, every match is scored.
MAX_BRANCH_LIMIT = 100

# The count when only the default filters apply (`subtractable`): the words' placeless matches (the partial text
# index, then a visit per match, no column read) less the matching rows that are over or not online, each kind found
# by its partial index (migration 0011; `OFFSET 0` keeps the words tested on those few rows, not by the text index).
_MATCHES = f"(SELECT count(*) FROM listing_geo g WHERE g.lat_band = {NO_PLACE_BAND} AND {{text}})"
_FAILING = "(SELECT count(*) FROM (SELECT * FROM listing_geo g WHERE {rows} OFFSET 0) g WHERE {text})"
_SUBTRACTED_COUNT = (
    "{matches} - "
    + _FAILING.format(
        rows=f"g.lat_band = {NO_PLACE_BAND} AND g.end_epoch IS NOT NULL AND g.end_epoch < :now", text="{text}"
    )
    + " - "
    + _FAILING.format(
        rows=f"g.lat_band = {NO_PLACE_BAND} AND (g.flags & {FLAG_BITS['online']}) = 0 "
        "AND (g.end_epoch IS NULL OR g.end_epoch >= :now)",
        text="{text}",
    )
)
# One word: its placeless matches are the count in `listing_geo_online_lexemes` (migration 0015) of its lexeme,
# instead of the text index's matches each visited in the table ("club": 21,000 visits, ~6 ms at 1M listings). Every
# placeless row holds the placeless token the branch's query adds, so the two agree. Only when the word's query is
# one plain lexeme (not a stop word, which gives none, nor a hyphenated word, a phrase); else the matches as above
# (the subquery of a branch not taken is never run).
_WORD_MATCHES = (
    "(SELECT CASE WHEN numnode(w.q) = 1 AND right(w.q::text, 1) = '''' THEN COALESCE((SELECT l.rows "
    "FROM listing_geo_online_lexemes l WHERE l.lexeme = replace(substr(w.q::text, 2, length(w.q::text) - 2), "
    "'''''', '''')), 0) ELSE {matches} END FROM (SELECT to_tsquery('english', :q_online) AS q) w)"
)
# Each candidate joined to its own row (one read per row).
_ROW = "CROSS JOIN LATERAL (SELECT * FROM listing_geo g WHERE g.id = c.id OFFSET 0) g"


def subtracted_count(matches: str, text: str) -> str:
    """The placeless rows matching `text`, counted by `matches`, less those of them over or not online."""
    return _SUBTRACTED_COUNT.format(matches=matches, text=text)


def pruned_sql(plan: Plan, *, columns: str, score: str, ceiling: str, filters: str, text: str) -> str:
    """The online branch's statement: rows (id, distance_km, next_epoch, score, total), best `branch_limit`.

    `filters`: the branch's conditions without the words (over `listing_geo g`); `text`: the words' condition;
    `ceiling`: the score with the words' relevance at its most, 1."""
    where = f"{filters} AND {text}"
    walked = (
        f"(SELECT g.id, g.connection, g.next_epoch FROM listing_geo g WHERE {filters} "
        "ORDER BY g.connection DESC, g.next_epoch LIMIT :branch_limit * :walk) c"
    )
    seed = f"SELECT {score} AS score FROM {walked} {_ROW} WHERE {text}"
    # the floor: the worst of the best `branch_limit` seed scores, NULL (no floor) with fewer seed rows than that
    floor = (
        "SELECT CASE WHEN count(*) < :branch_limit THEN NULL ELSE min(s.score) END AS v "
        "FROM (SELECT score FROM seed ORDER BY score DESC LIMIT :branch_limit) s"
    )
    count = f"(SELECT count(*) FROM listing_geo g WHERE {where})"
    if subtractable(plan):
        matches = _MATCHES.format(text=text)
        if len(plan.terms) == 1:  # one word: its matches counted by its lexeme's row
            matches = _WORD_MATCHES.format(matches=matches)
        count = subtracted_count(matches, text)
    # the candidates: in each connection level the rows whose timeliness can reach the floor with the words'
    # relevance at its most (`sql_online_levels`), of those the ones whose ceiling does, from the rank index alone
    rows = sql_online_levels.postgres_level_rows(
        "g.id",
        rest=f":w_distance * :online_distance{' + :w_text' if plan.title_terms else ''}",
        where=f"{filters} AND {ceiling} >= f.v - {sql_online_levels.MARGIN}",
        best="",
    )
    floored = (
        f"SELECT {columns}, ({count}) AS total FROM ({rows}) c {_ROW} "
        f"WHERE {text} ORDER BY score DESC, id LIMIT :branch_limit"
    )
    scored = (  # every match scored, as without a floor (finder.search.sql)
        f"WITH x AS MATERIALIZED (SELECT {columns} FROM listing_geo g WHERE {where}) "
        "SELECT *, (SELECT count(*) FROM x) AS total FROM x ORDER BY score DESC, id LIMIT :branch_limit"
    )
    return (
        f"{PLAN_ONCE}WITH seed AS MATERIALIZED ({seed}), f AS MATERIALIZED ({floor}) "
        f"SELECT * FROM ({floored}) floored WHERE (SELECT v FROM f) IS NOT NULL "
        f"UNION ALL SELECT * FROM ({scored}) scored WHERE (SELECT v FROM f) IS NULL"
    )
