"""The online branch's best rows without scoring every placeless row: a floor first, then only rows that can reach it.

Why: a search near a place also ranks every placeless online listing that passes its filters (4 % of the index,
40,000 rows at 1M listings), and the first search of a filter set, before its answer is remembered
(`sql_cache`), scored them all. Without interests a placeless row scores

    K + W_TEXT * relevance + W_TIME * timeliness + W_CONNECTION * connection,   K = W_DISTANCE * ONLINE_DISTANCE,

relevance and timeliness at most 1 (relevance 0 without words), so a row can only reach a score s if
connection >= (s - K - W_TEXT - W_TIME) / W_CONNECTION. The floor s is the worst of the best `branch_limit`
scores among a few real rows that pass the filters (the highest connections, soonest first, read in the order
of the `listing_geo_online_rank` index): the best `branch_limit` rows of the whole branch score at least
that, so only rows above the connection bound are scored (without words, an index range). Same rows, same
order, same total as scoring them all: the bound keeps a 1e-9 margin for rounding, and with fewer seed rows
than the limit it lets every row in. Without words the count reads the same index (index-only on PostgreSQL, which
covers every filter column), or on PostgreSQL, with only the default filters, is the number of placeless rows its
triggers keep less the few failing ones (`STORED_COUNT`), on SQLite its narrow table's rows less the same
(`sql_online_words.SUBTRACTED_ROWS`); with words, on SQLite, the count is the text index's,
less the failing rows, when only the default filters apply (`sql_online_words`), else it joins every match.
PostgreSQL with words has a statement of its own (`sql_online_tsv`): a tighter bound, read from the index alone, and
no floor for rare words. Without words both read, above the bound, only the rows of each connection level whose
timeliness can reach the floor (`sql_online_levels`).
"""

# ruff: noqa: S608  -- statements are assembled from fixed fragments; every value is a bound parameter

from __future__ import annotations

from typing import TYPE_CHECKING

from finder import ranking
from finder.index import FLAG_BITS, NO_PLACE_BAND
from finder.search import sql_online_levels, sql_online_words

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
    "SELECT score FROM (SELECT {score} AS score FROM {source} WHERE {where} AND g.next_epoch IS NOT NULL "
    "ORDER BY g.connection DESC, g.next_epoch LIMIT :branch_limit) dated UNION ALL "
    "SELECT score FROM (SELECT {score} AS score FROM {source} WHERE {where} AND g.next_epoch IS NULL "
    "ORDER BY g.connection DESC LIMIT :branch_limit) undated"
)
# SQLite with words: one seed, the rows in the index's order (in SQLite that puts the undated rows of each
# connection first, a lower floor than two seeds give, for one build of the words' row set), kept when their id
# is among the words' matches: the set is built once from the text index, then each test is a lookup.
_WORDS_SEED = (
    "SELECT {score} AS score FROM {table} g INDEXED BY listing_geo_online_rank WHERE {where} "
    "ORDER BY g.connection DESC, g.next_epoch LIMIT :branch_limit"
)

# PostgreSQL, when only the default filters apply (`sql_online_words.subtractable`): the count is the placeless rows
# search_meta keeps (finder.index.schema, migration 0012) less those over or not online, each kind by its partial
# index (migration 0011). Counting every passing row, even index-only, was ~5 ms of a first search at 1M listings;
# this reads a few index pages. Never counted (NULL): counted here, as before.
_FAILING = f"(SELECT count(*) FROM listing_geo g WHERE g.lat_band = {NO_PLACE_BAND} AND {{rows}})"
STORED_COUNT = (
    "(COALESCE((SELECT placeless FROM search_meta WHERE id = 1), "
    f"(SELECT count(*) FROM listing_geo g WHERE g.lat_band = {NO_PLACE_BAND})) - "
    + _FAILING.format(rows="g.end_epoch IS NOT NULL AND g.end_epoch < :now")
    + " - "
    + _FAILING.format(rows=f"(g.flags & {FLAG_BITS['online']}) = 0 AND (g.end_epoch IS NULL OR g.end_epoch >= :now)")
    + ")"
)


def prunable(plan: Plan) -> bool:
    """Whether the online branch can be floored: ranked best first (online rows have no distance, so 'nearest'
    ranks them by score too), without interest words or interests with words (words: `sql_online_words` on SQLite,
    `sql_online_tsv` on PostgreSQL; interests: `sql_online_tags` on SQLite, `sql_online_tags_postgres`)."""
    interests = plan.interest_words or (plan.tags and plan.terms)  # interest words, or interests with words
    return plan.sort in ("best", "nearest") and not interests and ranking.W_CONNECTION > 0


def pruned_sql(
    plan: Plan,
    *,
    columns: str,
    score: str,
    source: str,
    where: str,
    words: tuple[str, str, str] | None,
    postgres: bool = False,
) -> str:
    """The online branch's statement: rows (id, distance_km, next_epoch, score, total), best `branch_limit`
    (score first: without a distance that is also the 'nearest' order). `words`: on SQLite, (the narrow
    table, its filters without the words, the score with the words' relevance at its most)."""
    if words:
        table, filters, ceiling = words
        seed = _WORDS_SEED.format(score=score, table=table, where=f"{filters} AND {sql_online_words.MEMBERSHIP}")
    else:
        seed = _SEED.format(score=score, source=source, where=where)
    floor = _FLOOR.format(seed=seed, text=" - :w_text" if plan.title_terms else "")
    count = f"(SELECT count(*) FROM {source} WHERE {where})"
    if postgres and sql_online_words.subtractable(plan):  # the placeless rows less the failing ones
        count = STORED_COUNT
    elif not words and sql_online_words.subtractable(plan):  # SQLite: its placeless table's rows, less the same
        count = sql_online_words.SUBTRACTED_ROWS
    if words and sql_online_words.subtractable(plan):  # SQLite: the words' matches counted by the text index
        count = sql_online_words.SUBTRACTED_COUNT
    if not words and not sql_online_words.subtractable(plan) and ranking.W_TIME > 0:  # filters: floored when many pass
        return _walked(count, columns=columns, score=score, where=where, postgres=postgres)
    if not words and not postgres and ranking.W_TIME > 0:  # SQLite: the rows that can reach it, level by level
        return _by_levels(count, columns=columns, score=score, where=where)
    # PostgreSQL, the same by the known levels: with only the default filters (with others, a filter few rows pass
    # let most levels reach a low floor, each read apart: "kind=volunteer" 13 -> 23 ms, the whole range read once)
    if postgres and ranking.W_TIME > 0 and sql_online_words.subtractable(plan):
        return sql_online_levels.postgres_floored_statement(
            columns, floor=_floor_score(seed), rest=":w_distance * :online_distance", where=where, count=count
        )
    if words:
        where = f"{where} AND {sql_online_words.RARE_ONLY}"
    sql = (
        f"SELECT {columns}, {count} AS total FROM {source} WHERE {where} AND g.connection >= {floor} "
        "ORDER BY score DESC, id LIMIT :branch_limit"
    )
    if not words:
        return sql
    # SQLite: common words (many matches) from the rank index alone, others as above; either reads nothing when
    # the other applies
    common = sql_online_words.floored_sql(
        plan, columns=columns, score=score, ceiling=ceiling, filters=filters, count=count
    )
    return f"{sql_online_words.MATCH_COUNT}SELECT * FROM ({common}) UNION ALL SELECT * FROM ({sql})"


def _by_levels(count: str, *, columns: str, score: str, where: str) -> str:
    """SQLite without words: the floor's score (none with fewer seed rows than the limit), then in each connection
    level only the rows whose timeliness can reach it (`sql_online_levels`), instead of every row of the connection
    range above the bound. The seeds name the rank index: left to choose, SQLite read the undated rows from the
    by-start index (migration 0016) and sorted all of them. The online branch of the bench's 75 searches by place
    alone at 1M listings (p50 ms, warm pages): 4.43 before, 1.74 with the index named, 0.49 by levels too."""
    seed = _SEED.format(score=score, source=sql_online_words.RANK, where=where)
    return sql_online_levels.floored_statement(
        columns,
        sql_online_words.RANK,
        floor=_floor_score(seed),
        rest=":w_distance * :online_distance",
        tested=where,
        count=count,
    )


def _floor_score(seed: str, none: str = "CAST(-1e300 AS DOUBLE PRECISION)") -> str:
    """The worst of the best `branch_limit` scores of the `seed` rows; `none` (every row in) with fewer of them."""
    return (
        f"SELECT CASE WHEN count(*) < :branch_limit THEN {none} ELSE min(s.score) END "
        f"FROM (SELECT score FROM ({seed}) u ORDER BY score DESC LIMIT :branch_limit) s"
    )


# With filters beyond the default ones the count visits every row passing them anyway, and the floor's seeds walked
# the rank index until a page of rows passed: the whole index when few do ("kind=volunteer", 0 of 40,000 placeless
# rows at 1M listings: floored 13 ms on SQLite, every passing row scored in the count's pass 4.7). So the seeds look
# at the first WALK_PER_ROW * branch_limit rows of each kind (dated, undated) only: a floor when enough of them pass
# (many rows do: "free", floored 6.4 ms, all scored 11.5), else every passing row scored, once.
WALK_PER_ROW = 5
_WALKED = "g.id, g.connection, g.next_epoch, g.end_epoch, g.flags, g.kind, g.days_mask, g.times_mask"  # the filters'
# SQLite: every row of the rank index (all the filters' and the score's columns) only without a floor; the gate bounds
# the index range itself (SQLite 3.40 tests a condition holding a subquery at each row)
_NO_FLOOR_ONLY = "g.connection >= (CASE WHEN (SELECT v FROM f) IS NULL THEN -1e300 ELSE 1e300 END)"


def _walked(count: str, *, columns: str, score: str, where: str, postgres: bool) -> str:
    """Without words, with filters beyond the default ones: a floor from the first rows of the rank index that pass
    them (then the rows that can reach it), or, with fewer than a page of those, every passing row scored."""
    if postgres:
        table, walked = (
            "listing_geo g",
            f"g.lat_band, {_WALKED} FROM listing_geo g WHERE g.lat_band = {NO_PLACE_BAND} AND",
        )
    else:
        walked = f"{_WALKED} FROM {sql_online_words.RANK} WHERE"
    seeds = " UNION ALL ".join(
        f"SELECT * FROM (SELECT {score} AS score FROM (SELECT {walked} g.next_epoch IS {test} "
        f"ORDER BY g.connection DESC{order} LIMIT :branch_limit * {WALK_PER_ROW}) g WHERE {where} "
        f"LIMIT :branch_limit) {name}"
        for test, order, name in (("NOT NULL", ", g.next_epoch", "dated"), ("NULL", "", "undated"))
    )
    floor = _floor_score(seeds, none="NULL")  # no floor: every passing row scored (`otherwise`, `x`)
    rest = ":w_distance * :online_distance"
    if not postgres:
        rank = sql_online_words.RANK
        return sql_online_levels.floored_statement(
            columns,
            rank,
            floor=floor,
            rest=rest,
            tested=where,
            count=count,
            otherwise=f"SELECT {columns} FROM {rank} WHERE {_NO_FLOOR_ONLY} AND {where}",
        )
    bound = f"((SELECT v FROM f) - ({rest}) - :w_time) / :w_connection - {sql_online_levels.MARGIN}"
    best = "ORDER BY score DESC, id LIMIT :branch_limit"
    return (  # (PostgreSQL runs neither side's scan when its one-time test fails)
        f"WITH f(v) AS MATERIALIZED ({floor}), "
        f"x AS MATERIALIZED (SELECT {columns} FROM {table} WHERE {where} AND (SELECT v FROM f) IS NULL) "
        f"SELECT * FROM (SELECT {columns}, {count} AS total FROM {table} WHERE {where} AND g.connection >= {bound} "
        f"{best}) floored UNION ALL SELECT *, (SELECT count(*) FROM x) AS total FROM (SELECT * FROM x {best}) scored "
        f"{best}"
    )
