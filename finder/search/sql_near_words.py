"""SQLite: the near branch of a search with words, driven from whichever side is rarer, decided per search.

Why: the branch meets two sets, the words' matches in the 1° cells around the point (from the text index) and
the rows in the point's band-and-longitude box (a few key ranges of `listing_geo`). SQLite's planner picks one
order per statement shape: from `MIN_BANDS` 0.1° bands on (about 50 km) it looks every match up by id (two b-tree
descents and the row's tests, a few µs each), and a common word matches thousands of rows of the cells outside
the circle ("club" 100 km around 40.7 N 124.8 E: 1,884 matches in the cells, 687 rows in the box, 229 in the
circle: 5 ms, 2.5 of them lookups), where walking the box and probing a set of the matches (~0.3 µs a row) is
cheaper; for a rare word in a dense box the lookups stay cheaper ("poetry" 100 km around Tokyo: 384 matches,
13,905 rows in the box: 1.7 ms, walking the box 3.3). So the statement builds the matches once (`m`), counts the
box's rows only up to `BOX_RATIO` times the matches (~0.05 µs a row, so bounded by the cheaper side), and runs
the one branch its guard `d.by_box` lets through.
Below `MIN_BANDS` the planner walks the box itself and this statement is not used: there the choice saves little
(a small box costs little to walk) and its own cost (the matches handled twice, ~0.1 µs each, and the count)
lands on the common words that make a shape's slowest searches. The bench's 60 searches with words (1M
listings) at 5-35 km: +4-7 % in sum, the slowest +10-15 %; at 50-100 km: -20-30 % in sum, the slowest -40-50 %.
How, measured on SQLite 3.40: the guard is a column of the one-row outer loop `d` (as a scalar subquery in the
WHERE it was tested per row, so the other branch still read every row); the matches are looked up through
`g.id IN m` with `INDEXED BY listing_geo_id` (a join from `m` made the planner build a Bloom filter over the
whole of `listing_geo`, ~100 ms).
Same rows, same scores, same order and total as the one-branch statement: both branches test the same
conditions, exactly one runs, and the page's order (`ORDERS`) ends with the unique id.
"""

# ruff: noqa: S608  -- statements are assembled from fixed fragments; every value is a bound parameter

from __future__ import annotations

from finder.index import FTS_TABLES

FTS = FTS_TABLES[0]  # the text of listings with a place
# The near branch's text condition as `finder.search.sql_text` writes it for words: what this statement replaces.
MATCHES = f"g.id IN (SELECT rowid FROM {FTS} WHERE {FTS} MATCH :q_near)"
# Walk the box when it holds fewer than this many rows per match. Over the bench's 150 searches with words
# (1M listings; 5, 25, 100 km), a match looked up cost 10-15 box rows read and probed; ratios 8-15 came within
# 1 % of the best side every time (worst single loss 0.13 ms), 5 within 2 % (0.85 ms).
BOX_RATIO = 10
# From this many 0.1° latitude bands on, SQLite's planner looks every match up by id (SQLite 3.40, the bench's
# statistics: 9 bands walked the box, 10 looked the matches up), and choosing pays.
MIN_BANDS = 10

_GUARD = (
    f"m(id) AS MATERIALIZED (SELECT rowid FROM {FTS} WHERE {FTS} MATCH :q_near), "
    "d(by_box) AS MATERIALIZED (SELECT count(*) < {ratio} * (SELECT count(*) FROM m) "
    "FROM (SELECT 1 FROM listing_geo g WHERE {spatial} LIMIT {ratio} * (SELECT count(*) FROM m)))"
)


def applies(text_match: str, bands: list[int]) -> bool:
    """Whether this statement serves the near branch: its text condition is the words' match alone (words
    asked, SQLite) and its box spans `MIN_BANDS` bands or more."""
    return len(bands) >= MIN_BANDS and text_match.removeprefix(" AND ") == MATCHES


def statement(*, columns: str, spatial: str, rest: str, order: str, extra: str) -> str:
    """The near branch's statement: rows (id, distance_km, next_epoch, score, total[, generation]), best
    `branch_limit` in `order`. `spatial`: the box's key condition; `rest`: the filters and the radius test."""
    by_box = (
        f"SELECT {columns} FROM d CROSS JOIN listing_geo g WHERE d.by_box AND {spatial} AND +g.id IN (SELECT id FROM m)"
    )
    by_match = (
        f"SELECT {columns} FROM d CROSS JOIN listing_geo g INDEXED BY listing_geo_id "
        f"WHERE NOT d.by_box AND g.id IN (SELECT id FROM m) AND {spatial}"
    )
    return (
        f"WITH {_GUARD.format(ratio=int(BOX_RATIO), spatial=spatial)}, "
        f"x AS MATERIALIZED ({by_box} AND {rest} UNION ALL {by_match} AND {rest}) "
        f"SELECT id, distance_km, next_epoch, score, (SELECT count(*) FROM x) AS total{extra} "
        f"FROM x ORDER BY {order} LIMIT :branch_limit"
    )
