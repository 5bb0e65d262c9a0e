"""The near branch of a search by best score over a wide circle, read from the point outwards.

Why: a 25-100 km circle around a city holds thousands of rows (6,165 within 100 km of London in the 1M-listing
bench), and scoring every one of them for the best 20 cost 3-5 ms. Most of them cannot reach the page: a row's
score is at most its distance part plus every other part at its ceiling (`ranking`: timeliness and connection
at most 1; interest and title relevance at most 1 when the search asks for them). So the branch first ranks
the rows within `RING_KM` of the point; the last of its `branch_limit` best is a floor, and `reach_km` is the
distance beyond which a row's ceiling falls below that floor. Only rows that close are ranked (often the ring's
own answer already); the circle's total is a count, which scores and sorts nothing.
Same rows, scores, order and total as the one-statement branch: the ring's rows are among the circle's, so the
circle's `branch_limit`-th best score is at least the floor; a row beyond `reach_km` scores below the floor (a
margin of 1e-6 km covers rounding), so it is never on the page, ties included; and the statements are the
branch's own (`sql.build`) with the radius changed, so each row's score is computed by the same SQL.
Used for searches by place alone (other filters allowed): with interests the ceiling counts every asked tag
while most rows on the page match one of two, so the floor bounds nothing (the bench's +interests searches at
25-100 km ran the ring for nothing, 10-40 % slower at p95 on PostgreSQL); with words the branch reads the words'
matches first (SQLite's `sql_near_words`). Not used by other orders, for later pages (a lower floor, a wider
reach: the bench's 4th pages gained nothing), or when the circle is no wider than the ring. SQLite only: PostgreSQL
plans each statement afresh (0.3-0.5 ms for these), so two or three statements instead of one cost its searches
0.4-0.9 ms at p50 for 0.5 ms at p95 (the bench's 25 and 100 km searches by place alone, 1M listings).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

from finder import ranking

RING_KM = 10.0  # the bench's dense cities hold 20 rows within 1-3 km; beyond about 8 km nothing reaches their floor
MARGIN_KM = 1e-6


def applies(plan, dialect: str) -> bool:
    """Whether the near branch of `plan` is read by rings (SQLite, first page)."""
    return (
        dialect == "sqlite"
        and plan.offset == 0
        and plan.sort == "best"
        and plan.lat is not None
        and plan.online != "only"
        and plan.radius_km > RING_KM
        and not (plan.terms or plan.tags or plan.interest_words)
    )


def reach_km(plan, floor: float) -> float:
    """The distance beyond which no row's score reaches `floor` (infinite when a row anywhere may)."""
    ceiling = ranking.W_TIME + ranking.W_CONNECTION  # timeliness and connection at their most (1)
    ceiling += ranking.W_INTEREST if plan.tags else 0.0
    ceiling += ranking.W_TEXT if plan.title_terms else 0.0
    closeness = (floor - ceiling) / ranking.W_DISTANCE  # the least closeness a row reaching the floor has
    if closeness <= 0.0:
        return math.inf
    if closeness >= 1.0:
        return MARGIN_KM
    return ranking.DISTANCE_SCALE_KM * (1.0 / closeness - 1.0) * (1.0 + 1e-9) + MARGIN_KM


def near_rows(plan, dialect: str, build: Callable, run: Callable) -> list[tuple] | None:
    """The near branch's rows (id, distance_km, next_epoch, score, total[, generation]) read by rings, or None
    when the ring is too sparse or its floor too low to bound anything (the caller runs the whole branch).

    `build(plan, dialect, part)` is `sql.build`; `run((name, statement, params))` answers a statement's rows."""
    wanted = plan.offset + plan.limit
    ring = run(build(replace(plan, radius_km=RING_KM), dialect, "near")[0])
    if len(ring) < wanted:
        return None
    reach = reach_km(plan, ring[wanted - 1][3])
    if reach >= plan.radius_km:
        return None
    rows = ring if reach <= RING_KM else run(build(replace(plan, radius_km=reach), dialect, "near")[0])
    (counted,) = run(build(plan, dialect, "near_count")[0])
    return [(*row[:4], *counted) for row in rows]
