"""The online branch in the 'soonest' order: its first rows by date without scoring every placeless row.

Why: sorted by date, the online branch had no floor (`sql_online` bounds scores), so the first search of a filter set
(before its answer is remembered, `sql_cache`) scored and sorted every placeless row: 40,000 at 1M listings, 15-30 ms.
The order is (undated last, next_epoch, score, id). When at least `branch_limit` dated rows pass the filters, the
`branch_limit`-th soonest of them starts at some epoch E, and every row of the page starts at E or before: only those
rows are scored and sorted (a few more than the page when starts are shared). E is read from an index of the placeless
rows by start, holding every filter column (`listing_geo_online_soon`, migration 0016), and the rows up to E are one
range of it. With fewer dated rows (E is NULL) every row is scored, as before. Same rows, order and total.
The count, with only the default filters, is the placeless rows less the failing ones (as `sql_online` counts them).
Not used with words or interests: their rows are found by the text index, not by date.
"""

# ruff: noqa: S608  -- statements are assembled from fixed fragments; every value is a bound parameter

from __future__ import annotations

from typing import TYPE_CHECKING

from finder.search import sql_online, sql_online_words

if TYPE_CHECKING:
    from finder.search.sql import Plan

# The start of the `branch_limit`-th soonest dated row passing the filters (none: fewer dated rows than that)
_EPOCH = (
    "SELECT g.next_epoch AS v FROM {source} WHERE {where} AND g.next_epoch IS NOT NULL "
    "ORDER BY g.next_epoch LIMIT 1 OFFSET :branch_limit - 1"
)


def applies(plan: Plan) -> bool:
    """The 'soonest' order, without words or interests."""
    return plan.sort == "soonest" and not (plan.terms or plan.tags or plan.interest_words)


def statement(plan: Plan, *, columns: str, order: str, source: str, where: str, postgres: bool) -> str:
    """Rows (id, distance_km, next_epoch, score, total), the first `branch_limit` in the 'soonest' order."""
    if sql_online_words.subtractable(plan):
        count = sql_online.STORED_COUNT if postgres else sql_online_words.SUBTRACTED_ROWS
    else:
        count = f"(SELECT count(*) FROM {source} WHERE {where})"
    epoch = _EPOCH.format(source=source, where=where)
    return (  # of the two parts one reads nothing: a one-time filter on E
        f"WITH e AS MATERIALIZED ({epoch}) SELECT *, {count} AS total FROM ("
        f"SELECT {columns} FROM {source} WHERE {where} AND g.next_epoch <= (SELECT v FROM e) UNION ALL "
        f"SELECT {columns} FROM {source} WHERE {where} AND (SELECT v FROM e) IS NULL) r "
        f"ORDER BY {order} LIMIT :branch_limit"
    )
