"""SQLite: the online branch's count with words, from the text index instead of a row read per match.

Why: a common word matches half the placeless rows ("club": 21,000 of 40,000 at 1M listings), and the count
joined each match to its row (a seek per match, ~1 µs) to test the filters: 10-20 ms of the first search of a
filter set. When no filter beyond "not over" and "online" applies, a match fails the filters only when its row
is over or is placeless but not online; those rows have small indexes of their own (migration 0010). So the
count is the words' matches in `listing_fts_online` (its postings alone, no row read) less the matching rows
that fail: nothing more to read while no placeless row is over or offline, and otherwise a set of the matches
built once (as `g.id IN` builds it) probed by each failing row. Other filters: every match joined, as before.
Same total as joining every match: every placeless row has its text in `listing_fts_online` (written and
deleted together, `finder.index.writes`), and a text row never outlives its row.
The matches' count also picks how the floor's seed (`sql_online`) tells a matching row: `MEMBERSHIP` below,
and, for common words, a statement that finds the rows able to reach the floor in `listing_geo_online_rank` alone
(`floored_sql`: their score with a relevance of 1 reaches it; ~30 rows for "club" instead of its 21,000 matches
each joined to its row: ~8 -> ~2 ms for the online branch of a search at 1M listings).
"""

# ruff: noqa: S608  -- statements are assembled from fixed fragments; every value is a bound parameter

from __future__ import annotations

from typing import TYPE_CHECKING

from finder.index import FLAG_BITS, FTS_TABLES
from finder.search import sql_online_levels

if TYPE_CHECKING:
    from finder.search.sql import Plan

TABLE = "listing_geo_online"  # SQLite's narrow copy of the placeless rows (finder.index.schema)
FTS = FTS_TABLES[1]  # their text
RANK = f"{TABLE} g INDEXED BY listing_geo_online_rank"  # the table read in the rank index's order
_OFFLINE = f"(g.flags & {FLAG_BITS['online']}) = 0"  # a literal: the partial index listing_geo_online_offline's own
_MATCHES = f"g.id IN (SELECT rowid FROM {FTS} WHERE {FTS} MATCH :q_online)"


# The words' matches, counted once per statement from the text index's postings (no row read).
MATCH_COUNT = f"WITH m(n) AS MATERIALIZED (SELECT count(*) FROM {FTS} WHERE {FTS} MATCH :q_online) "
DENSE_MATCHES = 6000  # from this many matches on, a row's own test (a seek into the postings, ~10 µs) is cheaper
# for the floor's seed (~20 x 40,000 / matches rows read in rank order) than a set of every match (~0.3 µs each)
# Whether a row matches the words: a set of the matches built once, or, for a common word, the row's own test
MEMBERSHIP = (
    f"(CASE WHEN (SELECT n FROM m) >= :dense_matches "
    f"THEN EXISTS (SELECT 1 FROM {FTS} WHERE {FTS} MATCH :q_online AND {FTS}.rowid = g.id) ELSE {_MATCHES} END)"
)


def subtractable(plan: Plan) -> bool:
    """Whether the branch's only filters are "not over" and "online" (a row fails them only when it is over or
    not online: the rows of two small indexes)."""
    return not (plan.kinds or plan.must_flags or plan.any_flags or plan.days_mask or plan.times_mask or plan.window)


def _less_failing(total: str, matching: str = "") -> str:
    """`total` less the rows (`matching` too, when given) that are over or placeless but not online."""
    also = f" AND {matching}" if matching else ""
    return (
        f"({total} - (SELECT count(*) FROM {TABLE} g INDEXED BY listing_geo_online_end "
        f"WHERE g.end_epoch IS NOT NULL AND g.end_epoch < :now{also}) "
        f"- (SELECT count(*) FROM {TABLE} g INDEXED BY listing_geo_online_offline "
        f"WHERE {_OFFLINE} AND (g.end_epoch IS NULL OR g.end_epoch >= :now){also}))"
    )


# The branch's count when `subtractable`: the words' (or tag tokens') matches less those over or not online.
SUBTRACTED_COUNT = _less_failing("(SELECT n FROM m)", _MATCHES)
# Without words: every placeless row less the same (SQLite counts a whole table from its b-tree pages' cell counts,
# reading no row: 0.01 ms for 40,000 rows, against ~2 ms testing each).
SUBTRACTED_ROWS = _less_failing(f"(SELECT count(*) FROM {TABLE})")


def count_sql(plan: Plan, source: str, where: str) -> tuple[str, str]:
    """(the statement's prefix, its count) of the online branch scored row by row (not floored: interests, or the
    'soonest' order), over `source` (the narrow table, joined to the text index's matches when `where` has them)."""
    if not subtractable(plan):
        return "", f"(SELECT count(*) FROM {source} WHERE {where})"
    if f"{FTS} MATCH" in where:  # the matches counted from the postings (4,745 rows of two tags: 1.0 -> 0.2 ms)
        return MATCH_COUNT, SUBTRACTED_COUNT
    return "", SUBTRACTED_ROWS


# Deep pages: the seeds and the rows reaching a lower floor grow with branch_limit ("club" at 1M listings: 100 rows
# 5.5 ms, 200 rows 16.6 ms, 500 rows 37 ms, where joining every match costs 18-23 ms): beyond this many rows, the
# statement for fewer matches serves every word.
MAX_BRANCH_LIMIT = 100


def common_matches(plan: Plan) -> int:
    """From how many matches `floored_sql` serves the branch (the `:common_matches` parameter)."""
    return DENSE_MATCHES if plan.offset + plan.limit <= MAX_BRANCH_LIMIT else 2**62


# Common words: the floor from two seeds (dated and undated apart: in the index's order the undated rows of each
# connection come first, and one seed's floor let ~2,000 rows of "club" reach it, two seeds' ~30).
_SEED_PART = (
    "SELECT * FROM (SELECT {score} AS score FROM {table} g INDEXED BY listing_geo_online_rank "
    "WHERE {filters} AND g.next_epoch IS {test} AND {matches} ORDER BY g.connection DESC LIMIT :branch_limit)"
)


def floored_sql(plan: Plan, *, columns: str, score: str, ceiling: str, filters: str, count: str) -> str:
    """The online branch's best rows for common words (`common_matches` or more, else none): the rows of the rank
    index that can reach the floor level by level (`sql_online_levels`), whose `ceiling` (the score with the words'
    relevance at its most, 1: index columns only) and score reach it, then those having the words. `filters`: the
    branch's conditions without the words, over the narrow table `g`. Needs the words' count `m` (`MATCH_COUNT`).
    Testing the words on every row whose ceiling reached the floor (a text-index seek each) over the whole
    connection range: the online branch at 1M listings, p50 of the bench's searches, medians of 3 paired runs,
    "club" 3.81 -> 2.40 ms, "group" 4.40 -> 2.65, "circle" 5.38 -> 3.49."""
    matches = f"EXISTS (SELECT 1 FROM {FTS} WHERE {FTS} MATCH :q_online AND {FTS}.rowid = g.id)"
    seeds = " UNION ALL ".join(
        _SEED_PART.format(score=score, table=TABLE, filters=filters, test=test, matches=matches)
        for test in ("NOT NULL", "NULL")
    )
    floor = (
        "SELECT CASE WHEN count(*) < :branch_limit THEN -1e300 ELSE min(score) END "
        f"FROM (SELECT score FROM ({seeds}) ORDER BY score DESC LIMIT :branch_limit)"
    )
    # with fewer matches a floor no row reaches: no level reaches it, the seeds never read
    gated = f"SELECT CASE WHEN (SELECT n FROM m) >= :common_matches THEN ({floor}) ELSE 1e300 END"
    # in each connection level, the rows whose timeliness can reach the floor (`sql_online_levels`); the words are
    # tested only on rows whose ceiling, then whose score (were they to match), reaches it (a CASE keeps SQLite to
    # that order: the ceiling from the index alone, the score with the title read, then the text index's ~10 µs)
    reaches = f"(SELECT v FROM f) - {sql_online_levels.MARGIN}"
    return sql_online_levels.floored_statement(
        columns,
        RANK,
        floor=gated,
        rest=":w_distance * :online_distance" + (" + :w_text" if plan.title_terms else ""),
        tested=f"{filters} AND (CASE WHEN {ceiling} >= {reaches} AND {score} >= {reaches} THEN {matches} ELSE 0 END)",
        count=count,
    )


# The statement for fewer matches runs only then: otherwise its scan of the text index is bounded to no row (SQLite
# 3.40 tests a condition holding a subquery at each row, so a gate must bound the scan itself).
RARE_ONLY = f"{FTS}.rowid <= (CASE WHEN (SELECT n FROM m) < :common_matches THEN 9223372036854775807 ELSE -1 END)"
