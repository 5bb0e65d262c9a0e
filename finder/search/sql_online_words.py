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
The matches' count also picks how the floor's seed (`sql_online`) tells a matching row: `MEMBERSHIP` below.
"""

# ruff: noqa: S608  -- statements are assembled from fixed fragments; every value is a bound parameter

from __future__ import annotations

from typing import TYPE_CHECKING

from finder.index import FLAG_BITS, FTS_TABLES

if TYPE_CHECKING:
    from finder.search.sql import Plan

TABLE = "listing_geo_online"  # SQLite's narrow copy of the placeless rows (finder.index.schema)
FTS = FTS_TABLES[1]  # their text
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


# The branch's count when `subtractable`: the words' matches less those over or not online.
SUBTRACTED_COUNT = (
    "((SELECT n FROM m) "
    f"- (SELECT count(*) FROM {TABLE} g INDEXED BY listing_geo_online_end "
    f"WHERE g.end_epoch IS NOT NULL AND g.end_epoch < :now AND {_MATCHES}) "
    f"- (SELECT count(*) FROM {TABLE} g INDEXED BY listing_geo_online_offline "
    f"WHERE {_OFFLINE} AND (g.end_epoch IS NULL OR g.end_epoch >= :now) AND {_MATCHES}))"
)
