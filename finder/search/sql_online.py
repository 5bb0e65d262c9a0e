"""The online branch's best rows without scoring every placeless row: a floor first, then only rows that can reach it.

Why: a search near a place also ranks every placeless online listing that passes its filters (4 % of the index,
40,000 rows at 1M listings), and the first search of a filter set, before its answer is remembered
(`sql_cache`), scored them all. Without words or interests a placeless row scores

    K + W_TIME * timeliness + W_CONNECTION * connection,   K = W_DISTANCE * ONLINE_DISTANCE, timeliness <= 1,

so a row can only reach a score s if connection >= (s - K - W_TIME) / W_CONNECTION. The floor s is the worst
of the best `branch_limit` scores among a few real rows that pass the filters (the highest connections,
soonest first, and undated ones apart; read in the order of the `listing_geo_online_rank` index): the best
`branch_limit` rows of the whole branch score at least that, so only rows above the connection bound are
scored, an index range. Same rows, same order, same total as scoring them all (the bound keeps a 1e-9 margin
for rounding; with fewer rows than the limit the bound lets every row in). The count reads the same index (index-only on
PostgreSQL, which covers every filter column).
"""

# ruff: noqa: S608  -- statements are assembled from fixed fragments; every value is a bound parameter

from __future__ import annotations

from typing import TYPE_CHECKING

from finder import ranking

if TYPE_CHECKING:
    from finder.search.sql import Plan

# The bound: a row scoring at least the floor has W_CONNECTION * connection >= floor - K - W_TIME (- W_TEXT
# with words: their relevance is at most 1), a little less for rounding. Fewer seed rows than the limit: no bound.
_FLOOR = (
    "(SELECT CASE WHEN count(*) < :branch_limit THEN CAST(-1e300 AS DOUBLE PRECISION) "
    "ELSE (min(s.score) - :w_distance * :online_distance - :w_time{text}) / :w_connection - 0.000000001 END "
    "FROM (SELECT score FROM ({seed}) u ORDER BY score DESC LIMIT :branch_limit) s)"
)
_SEED = (
    "SELECT score FROM (SELECT {score} AS score FROM {dated} WHERE {dated_where}{dated_order} "
    "LIMIT :branch_limit) dated UNION ALL "
    "SELECT score FROM (SELECT {score} AS score FROM {undated} WHERE {undated_where}{undated_order} "
    "LIMIT :branch_limit) undated"
)
# SQLite with words: one seed, the rows in the index's order (in SQLite that puts the undated rows of each
# connection first, a lower floor than two seeds give, for one build of the words' row set), kept when their id
# is among the words' matches: the set is built once from the text index, then each test is a lookup.
_WORDS_SEED = (
    "SELECT {score} AS score FROM {table} g INDEXED BY listing_geo_online_rank WHERE {where} "
    "ORDER BY g.connection DESC, g.next_epoch LIMIT :branch_limit"
)


def prunable(plan: Plan, text_match: str, postgres: bool) -> bool:
    """Whether the online branch can be floored: ranked best first (online rows have no distance, so 'nearest'
    ranks them by score too), no interests in the score, and words only on SQLite (PostgreSQL reads a word's
    rows once, into the count and the best rows together: a floor would add a pass)."""
    return (
        plan.sort in ("best", "nearest")
        and not plan.tags
        and not (text_match and postgres)
        and ranking.W_CONNECTION > 0
    )


def pruned_sql(
    plan: Plan, *, columns: str, score: str, source: str, where: str, words: tuple[str, str] | None, params: dict
) -> str:
    """The online branch's statement: rows (id, distance_km, next_epoch, score, total), best `branch_limit`
    (score first: without a distance that is also the 'nearest' order). `words`: on SQLite, (the narrow
    table, the filters with the words as `g.id IN` their matches)."""
    if words:
        table, probed = words
        seed = _WORDS_SEED.format(score=score, table=table, where=probed)
    else:
        seed = _SEED.format(
            score=score,
            dated=source,
            undated=source,
            dated_where=f"{where} AND g.next_epoch IS NOT NULL",
            undated_where=f"{where} AND g.next_epoch IS NULL",
            dated_order=" ORDER BY g.connection DESC, g.next_epoch",
            undated_order=" ORDER BY g.connection DESC",
        )
    floor = _FLOOR.format(seed=seed, text=" - :w_text" if plan.title_terms else "")
    return (
        f"SELECT {columns}, (SELECT count(*) FROM {source} WHERE {where}) AS total "
        f"FROM {source} WHERE {where} AND g.connection >= {floor} "
        "ORDER BY score DESC, id LIMIT :branch_limit"
    )
