"""The placeless rows that can reach a score floor, read level by level of connection (the online branch).

A placeless row scores `rest + W_CONNECTION * connection + W_TIME * timeliness`, where `rest` is what the caller
knows of the other terms at their most (the online distance, interests at their ceiling). `connection_potential`
sums a few constants, so the rows hold a handful of connection values (levels). For a floor s, a row of level c can
reach it only if its timeliness is at least need(c) = (s - rest - W_CONNECTION * c) / W_TIME: undated rows when
their fixed timeliness is, dated rows up to the start whose timeliness is (timeliness falls as the start is
later). `listing_geo_online_rank` (connection DESC, next_epoch, ...) holds each level's dated rows by start, so
each level is one seek for the level and one range for its rows. Reading the whole connection range above
(s - rest - W_TIME) / W_CONNECTION instead read the next levels down whole (their soonest rows can reach the
floor: W_TIME spans about two levels): ~4,000 index entries for a page of 20 at 1M listings.
On SQLite the levels are found in the index (a recursive CTE, `levels_cte`); on PostgreSQL, where that made the
planner sort every placeless row, they are the values `ranking.connection_potential` gives
(`postgres_floored_statement`).
Used by `sql_online` (no interests, no words), `sql_online_words` (common words) and `sql_online_tags` (interests).
Levels past `MAX_LEVELS` (never, with connection_potential's values) are read whole, so any connection values give
the same rows.
"""

# ruff: noqa: S608  -- statements are assembled from fixed fragments; every value is a bound parameter

from __future__ import annotations

from finder import ranking
from finder.search.sql_cache import PLAN_ONCE

MAX_LEVELS = 1000
MARGIN = "0.000000001"  # for rounding: bounds a little wider than exact
_BEST = "ORDER BY score DESC, id LIMIT :branch_limit"


def levels_cte(rank: str, bound: str) -> str:
    """`levels(c, i)`: the distinct connections at or above `bound`, highest first, one seek of `rank` each."""
    return (
        f"levels(c, i) AS (SELECT (SELECT max(g.connection) FROM {rank} WHERE g.connection >= {bound}), 1 "
        f"UNION ALL SELECT (SELECT max(g.connection) FROM {rank} WHERE g.connection < l.c "
        f"AND g.connection >= {bound}), l.i + 1 FROM levels l WHERE l.c IS NOT NULL AND l.i < {MAX_LEVELS})"
    )


def level_parts(columns: str, rank: str, *, floor: str, rest: str, bound: str, tested: str) -> list[str]:
    """The rows of every level that can reach `floor` (an expression) and pass `tested`: dated, undated, and the
    levels past MAX_LEVELS read whole. `rest`: the score's terms other than connection and timeliness at their
    most; `bound`: the least connection that can reach the floor (the `levels_cte` bound)."""
    # (a LIMIT keeps SQLite from building a Bloom filter of the whole index for the join)
    level = f"(SELECT c FROM levels WHERE c IS NOT NULL LIMIT {MAX_LEVELS}) l"
    need = f"((({floor}) - {MARGIN} - ({rest}) - :w_connection * l.c) / :w_time - 0.000001)"  # a little less
    until = f"(CASE WHEN {need} <= 0 THEN 1e300 ELSE :now + 3600.0 * :soon_scale_h * (1.0 / {need} - 1.0) END)"
    return [
        f"SELECT {columns} FROM {level} JOIN {rank} ON g.connection = l.c AND g.next_epoch <= {until} WHERE {tested}",
        f"SELECT {columns} FROM {level} JOIN {rank} ON g.connection = l.c AND g.next_epoch IS NULL "
        f"WHERE {need} <= :undated_timeliness AND {tested}",
        f"SELECT {columns} FROM {rank} WHERE g.connection >= {bound} AND g.connection < (SELECT CASE WHEN "
        f"count(*) >= {MAX_LEVELS} THEN min(c) ELSE -1e300 END FROM levels WHERE c IS NOT NULL) AND {tested}",
    ]


def floored_statement(
    columns: str, rank: str, *, floor: str, rest: str, tested: str, count: str, otherwise: str = ""
) -> str:
    """The online branch's statement from a floor: `floor` (a statement giving the floor score, -1e300 for none, 1e300
    or NULL to read nothing) as `f`, then the best `branch_limit` rows of the levels that can reach it passing
    `tested`, each with the `count` as total. `otherwise`: the rows to score when there is no floor (a statement
    reading nothing while `f` holds one), as `x`, counted themselves."""
    bound = f"((SELECT v FROM f) - ({rest}) - :w_time) / :w_connection - {MARGIN}"
    parts = level_parts(columns, rank, floor="SELECT v FROM f", rest=rest, bound=bound, tested=tested)
    best = " UNION ALL ".join(f"SELECT * FROM ({part} ORDER BY score DESC, id LIMIT :branch_limit)" for part in parts)
    rows = f"SELECT *, {count} AS total FROM ({best})"
    scored = ""
    if otherwise:
        scored = f", x AS MATERIALIZED ({otherwise})"
        rows = f"{rows} UNION ALL SELECT *, (SELECT count(*) FROM x) AS total FROM x"
    return (
        f"WITH RECURSIVE f(v) AS MATERIALIZED ({floor}), {levels_cte(rank, bound)}{scored} "
        f"SELECT * FROM ({rows}) ORDER BY score DESC, id LIMIT :branch_limit"
    )


def postgres_floored_statement(columns: str, *, floor: str, rest: str, where: str, count: str) -> str:
    """PostgreSQL's `floored_statement`. The levels (written into the statement: one SQL text) are each read through
    a LATERAL subquery (one range of `listing_geo_online_rank_tags` each), and the connections between and beyond
    them (none, as the index is written; any others, exactly) through another. `where`: the branch's conditions
    (on `listing_geo g`, its placeless band among them). The bench's 75 first online branches by place alone at 1M
    listings, medians of 2 runs each: planning 0.55 -> 1.1 ms, execution 1.5 -> 0.28, at the client p50 2.49 ->
    2.10, p95 4.01 -> 3.35 ms. Planned once per connection (`PLAN_ONCE`): the bench's searches by place alone, each
    first of its filter set, one after the other on one connection: p50 11.2 -> 9.5 ms (25 km), 9.4 -> 7.7 (5 km)."""
    rows = postgres_level_rows(columns, rest=rest, where=where)
    return f"{PLAN_ONCE}WITH f(v) AS MATERIALIZED ({floor}) SELECT *, {count} AS total FROM ({rows}) u {_BEST}"


def postgres_level_rows(columns: str, *, rest: str, where: str, best: str = _BEST, also: str = "") -> str:
    """PostgreSQL: the rows that can reach the floor `f.v` (a CTE `f(v)`, NULL: none) and pass `where`, one UNION ALL
    of parts each giving its `best` (its best rows by score; "": every row, for `columns` without a score), and the
    statement `also` (more rows of the same columns) when given. The levels are the values
    `ranking.connection_potential` gives (written into the statement: one SQL text), each read through a LATERAL
    subquery (one range of `listing_geo_online_rank_tags` each), and the connections between and beyond them (none, as
    the index is written; any others, exactly) through another. `rest`: the score's terms other than connection and
    timeliness at their most."""
    levels = ranking.connection_levels()
    gap_low, gap_high = [*levels, -1e300], [1e300, *levels]  # the open intervals around and between them
    bound = f"((f.v - ({rest}) - :w_time) / :w_connection - {MARGIN})"
    need = f"(((f.v - {MARGIN} - ({rest}) - :w_connection * l.c) / :w_time - 0.000001))"
    until = f"(CASE WHEN {need} <= 0 THEN 1e300 ELSE :now + 3600.0 * :soon_scale_h * (1.0 / {need} - 1.0) END)"
    level = f"f CROSS JOIN unnest({_array(levels)}) AS l(c)"
    parts = [
        f"SELECT x.* FROM {level} CROSS JOIN LATERAL (SELECT {columns} FROM listing_geo g WHERE {where} "
        f"AND g.connection = l.c AND g.next_epoch <= {until} {best}) x WHERE l.c >= {bound}",
        f"SELECT x.* FROM {level} CROSS JOIN LATERAL (SELECT {columns} FROM listing_geo g WHERE {where} "
        f"AND g.connection = l.c AND g.next_epoch IS NULL {best}) x "
        f"WHERE l.c >= {bound} AND {need} <= :undated_timeliness",
        f"SELECT x.* FROM f CROSS JOIN unnest({_array(gap_low)}, {_array(gap_high)}) AS r(lo, hi) CROSS JOIN LATERAL "
        f"(SELECT {columns} FROM listing_geo g WHERE {where} AND g.connection > r.lo "
        f"AND g.connection < r.hi AND g.connection >= {bound} {best}) x WHERE r.hi > {bound}",
        *([also] if also else []),
    ]
    return " UNION ALL ".join(f"({part})" for part in parts)


def _array(values) -> str:
    return "CAST(ARRAY[" + ", ".join(repr(float(v)) for v in values) + "] AS DOUBLE PRECISION[])"
