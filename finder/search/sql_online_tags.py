"""SQLite: the online branch with interests, its best rows without scoring every placeless row that has a tag.

Why: a tag matches 2-15 % of the placeless rows (800-6,200 of 40,000 at 1M listings, two tags up to 8,000), and the
first search of a filter set with interests (before its answer is remembered, `sql_cache`) scored every match
(1-4 ms). Now, as without interests (`sql_online`), a score floor from real rows, then only the rows that can reach
it. A placeless row scores

    K + W_INTEREST * interest + W_TIME * timeliness + W_CONNECTION * connection,   K = W_DISTANCE * ONLINE_DISTANCE,

interest = (the plan's tags it has) / (the plan's tags). With several tags, the rows having every one (interest 1,
few) are found by the text index (every tag token) and all scored; every other row has interest at most
(tags - 1) / tags, with one tag 1 (`:tag_ceiling`). Its score with that interest (its ceiling, index columns only)
bounds it from above (a ceiling of 1 for every row let most rows with one of two tags reach a floor that rows with
one tag set). A row can reach the floor only if its connection is at least (floor - K - W_INTEREST * tag_ceiling -
W_TIME) / W_CONNECTION, and in each connection level at or above that (connection_potential sums a few constants:
a handful of levels, each found by one seek of `listing_geo_online_rank`), only if it is undated and undated rows
can reach the floor, or dated up to the epoch whose timeliness can (a range of the index in that level, a little
wider for rounding). Only those rows are read, and only those whose ceiling reaches the floor have their tags
tested and are scored. Reading the whole connection range instead cost ~0.2 µs an index entry: 12,000 entries of
the next level down, whose soonest rows can still reach the floor (W_TIME spans two levels), took 3 ms.
The floor is the worst of the best `branch_limit` scores among the first rows having a tag in the index's order,
dated and undated apart (in SQLite's order the undated rows of each connection come first), each row's tags read
from the narrow table (~0.3 µs a row, against ~10 µs for a seek into the text index's postings); taken when the tag
tokens' matches, counted from the postings, are `MIN_SHARE` of the placeless rows or more (for rarer tags the seeds
read too many rows for their matches), else, or with fewer seed rows than `branch_limit`, every match is scored.
A row's tags are told by its `tags` column ('|slug|...|'), which holds the slug exactly when its text holds the
tag's token (`finder.index.place_tokens` writes both from the same tags), as the near branch tests them.
Not floored (`applies`, `sql_online.prunable`): interest words (matched as text), interests with words, filters
beyond the default ones (the count then reads every match anyway), deep pages. PostgreSQL has a statement of its own
(`sql_online_tags_postgres`): there the same statement (seed read by the rank index, levels by a recursive CTE, rows
by LATERAL ranges) took ~2-2.4 ms to plan and its count visited every match, so it was slower than scoring them all.
Same rows, order and total as scoring every match; the bounds keep a 1e-9 margin for rounding.
"""

# ruff: noqa: S608  -- statements are assembled from fixed fragments; every value is a bound parameter

from __future__ import annotations

from typing import TYPE_CHECKING

from finder import ranking
from finder.index import tag_token
from finder.search import sql_online_levels, sql_online_words
from finder.search.sql_score import score_sql

if TYPE_CHECKING:
    from finder.search.sql import Plan

# From this share of the placeless rows on, the tag tokens' matches are floored: the seeds read ~branch_limit / share
# rows each, and the rows reaching the floor are fewer than the matches (online branch alone, 150 first searches with
# interests at 1M listings, p50/p95 ms: all scored 1.37/2.42 with two tags, 0.69/1.76 with one; from 3,000 matches
# (7.5 %): 1.18/1.60, 0.64/1.12; from 2,000 (5 %): 0.76/1.06, 0.58/0.94; from 800 (2 %): 0.77/0.94, 1.34/1.57).
MIN_SHARE = 0.05
# Deep pages: the seeds and the rows reaching a lower floor grow with branch_limit; beyond this many rows every
# match is scored.
MAX_BRANCH_LIMIT = 100
_NO_FLOOR = "1e300"
_MARGIN = sql_online_levels.MARGIN


def applies(plan: Plan, postgres: bool) -> bool:
    """Whether the online branch with interests is floored here: SQLite, tags (`sql_online.prunable` leaves out
    words), only the default filters, first pages."""
    return (
        not postgres
        and ranking.W_TIME > 0  # the least timeliness a row needs is divided by it
        and bool(plan.tags)
        and sql_online_words.subtractable(plan)
        and plan.offset + plan.limit <= MAX_BRANCH_LIMIT
    )


def has_tags(plan: Plan, joiner: str, *, postgres: bool = False) -> str:
    """Whether the row `g` has any (joiner OR) or every (AND) one of the plan's tags (`:tag<i>`, '|slug|')."""
    find = "strpos" if postgres else "instr"
    return "(" + f" {joiner} ".join(f"{find}(g.tags, :tag{i}) > 0" for i in range(len(plan.tags))) + ")"


def pruned_sql(plan: Plan, params: dict, *, columns: str, score: str, filters: str) -> str:
    """The online branch's statement: rows (id, distance_km, next_epoch, score, total), best `branch_limit`.

    `filters`: the branch's conditions without the tags, over the narrow table `g`."""
    every = len(plan.tags) > 1  # rows having every tag apart
    params["tag_ceiling"] = (len(plan.tags) - 1) / len(plan.tags) if every else 1.0
    ceiling = score_sql(plan, params, False, ":online_distance", interest=":tag_ceiling")
    any_tag = has_tags(plan, "OR")
    walk_test = f"({any_tag} AND NOT {has_tags(plan, 'AND')})" if every else any_tag
    bound = (
        f"((SELECT v FROM f) - :w_distance * :online_distance - :w_interest * :tag_ceiling - :w_time) "
        f"/ :w_connection - {_MARGIN}"
    )
    reach = f"{ceiling} >= (SELECT v FROM f) - {_MARGIN}"
    params["min_share"] = MIN_SHARE
    params["q_every"] = "(" + " AND ".join(tag_token(slug) for slug in plan.tags) + ")"
    return _sqlite(plan, columns, score, filters, any_tag, walk_test, bound, reach, every)


def _best(rows: str) -> str:
    return f"SELECT * FROM ({rows} ORDER BY score DESC, id LIMIT :branch_limit) b"


def _gate(fts: str, test: str) -> str:
    """Rows of the text index only when the floor passes `test` against no floor, else none."""
    return f"{fts}.rowid <= (CASE WHEN (SELECT v FROM f) {test} {_NO_FLOOR} THEN 9223372036854775807 ELSE -1 END)"


def _sqlite(plan, columns, score, filters, any_tag, walk_test, bound, reach, every) -> str:  # noqa: PLR0913
    table, fts = sql_online_words.TABLE, sql_online_words.FTS
    text = f"{fts} MATCH :q_online"  # any tag token (`sql_text.text_conditions`)
    rank = sql_online_words.RANK
    seeds = " UNION ALL ".join(
        f"SELECT * FROM (SELECT {score} AS score FROM {rank} WHERE {filters} AND g.next_epoch IS {test} "
        f"AND {any_tag} ORDER BY g.connection DESC{order} LIMIT :branch_limit)"
        for test, order in (("NOT NULL", ", g.next_epoch"), ("NULL", ""))
    )
    floor = (
        f"SELECT CASE WHEN count(*) < :branch_limit THEN {_NO_FLOOR} ELSE min(score) END "
        f"FROM (SELECT score FROM ({seeds}) ORDER BY score DESC LIMIT :branch_limit)"
    )
    # the placeless rows counted from the table's b-tree pages (no row read: 0.01 ms for 40,000 rows)
    common = f"(SELECT n FROM m) >= :min_share * (SELECT count(*) FROM {table})"
    gated = f"SELECT CASE WHEN {common} THEN ({floor}) ELSE {_NO_FLOOR} END"
    source = f"{fts} JOIN {table} g ON g.id = {fts}.rowid"
    _prefix, count = sql_online_words.count_sql(plan, source, f"{text} AND {filters}")
    # each connection level at or above the bound (a seek per level), and in it the rows whose timeliness can
    # reach the floor (`sql_online_levels`); the tags are tested only on rows whose ceiling reaches the floor (a
    # CASE keeps SQLite to that order)
    levels = sql_online_levels.levels_cte(rank, bound)
    rest = ":w_distance * :online_distance + :w_interest * :tag_ceiling"
    tested = f"{filters} AND (CASE WHEN {reach} THEN {walk_test} ELSE 0 END)"
    parts = [
        _best(part)
        for part in sql_online_levels.level_parts(
            columns, rank, floor="SELECT v FROM f", rest=rest, bound=bound, tested=tested
        )
    ]
    # a gate must bound a scan itself (SQLite 3.40 tests a condition holding a subquery at each row)
    floored_only = _gate(fts, "<")
    if every:
        parts.append(
            _best(f"SELECT {columns} FROM {source} WHERE {fts} MATCH :q_every AND {floored_only} AND {filters}")
        )
    floored = _best(f"SELECT id, distance_km, next_epoch, score FROM ({' UNION ALL '.join(parts)}) u")
    scored_only = _gate(fts, ">=")
    return (
        f"WITH RECURSIVE m(n) AS MATERIALIZED (SELECT count(*) FROM {fts} WHERE {text}), "
        f"f(v) AS MATERIALIZED ({gated}), {levels} "
        f"SELECT *, {count} AS total FROM ({floored}) UNION ALL "
        f"SELECT {columns}, {count} AS total FROM {source} WHERE {text} AND {scored_only} AND {filters} "
        "ORDER BY score DESC, id LIMIT :branch_limit"
    )
