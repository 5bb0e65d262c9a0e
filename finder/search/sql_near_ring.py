"""The near branch of a search by best score over a wide circle, read from the point outwards.

Why: a 25-100 km circle around a city holds thousands of rows (6,165 within 100 km of London in the 1M-listing
bench), and scoring every one of them for the best 20 cost 3-5 ms on either database. Most of them cannot reach
the page: a row's score is at most its distance part plus every other part at its ceiling (`ranking`:
timeliness and connection at most 1). So the statement first ranks the rows within `RING_KM` of the point; the
last of its `branch_limit` best is a floor, and the distance at which a row's ceiling falls below that floor is
its reach. Only the rows within reach are scored, read from the box around them (the bands and longitudes of
the branch's own box, narrowed); the circle's total is a count, which scores and sorts nothing. In the bench's
dense cities the ring's 20th best is 1-3 km out and the reach 6-9 km.
Same rows, scores, order and total as the one-statement branch: the ring's rows are among the circle's, so the
circle's `branch_limit`-th best score is at least the floor; a row beyond the reach scores below it (the reach
keeps a margin for rounding), so it is never on the page, ties included; the narrowed box holds the whole circle
of the reach (its arc, which is at least the straight-line distance the SQL measures); and every score is the
branch's own expression. A ring with fewer than `branch_limit` rows, or a floor the ceiling passes anywhere,
gives the whole radius as the reach: the branch as before, plus the ring's cost.
Used for searches by place, with filters and one interest at most (every row on the page has it, so its part is
the same for all), first pages, best first, and boxes that do not cross the antimeridian: with two interests the
ceiling counts both while most rows on the page have one, so the floor bounds nothing; with words the branch
reads the words' matches first (SQLite's `sql_near_words`); later pages lower the floor.
"""

# ruff: noqa: S608  -- statements are assembled from fixed fragments; every value is a bound parameter

from __future__ import annotations

from finder import ranking
from finder.geo import EARTH_RADIUS_KM, bounding_box
from finder.geo.math import KM_PER_DEGREE_LAT
from finder.index import BAND_DEGREES, lat_band

RING_KM = 5.0  # the bench's dense cities hold 20 rows within 1-3 km; a wider ring costs more than it saves
# With an interest a few rows in a hundred have it: a ring that wide rarely held a page (the bench's 25 km
# searches with one interest: the ring, then the whole circle, twice as slow), this one does.
INTEREST_RING_KM = 25.0


def ring_km(plan) -> float:
    return INTEREST_RING_KM if plan.tags else RING_KM


MARGIN = 1e-6  # relative, on the reach and the narrowed box

# The reach (km) from the ring's rows: the whole radius when the ring is short of rows or its floor is within
# every row's ceiling; else where `w_distance * closeness + ceiling` falls to the floor (closeness 1 / (1 + d / scale)).
_CLOSENESS = "((min(score) - :ring_ceiling) / :w_distance)"
REACH = (
    f"CASE WHEN count(*) < :branch_limit OR {_CLOSENESS} <= 0.0 THEN :radius_km "
    f"WHEN {_CLOSENESS} >= 1.0 THEN :ring_margin "
    f"ELSE {{least}}(:radius_km, "
    f":distance_scale_km * (1.0 / {_CLOSENESS} - 1.0) * (1.0 + :ring_margin) + :ring_margin) END"
)
# The box around the point holding every row within the reach (as `geo.bounding_box` makes it, with a margin): its
# first and last band, and how far in longitude it reaches (360 when it spans every longitude).
_LAT_LOW = "(:ring_lat - r.km * (1.0 + :ring_margin) / :km_per_degree)"
_LAT_HIGH = "(:ring_lat + r.km * (1.0 + :ring_margin) / :km_per_degree)"
BOX = (
    f"SELECT r.km, CAST(floor({_LAT_LOW} / :band_degrees) AS INTEGER) AS low, "
    f"CAST(floor({_LAT_HIGH} / :band_degrees) AS INTEGER) AS high, "
    f"CASE WHEN {_LAT_LOW} <= -90.0 OR {_LAT_HIGH} >= 90.0 THEN 360.0 "
    f"ELSE degrees(r.km * (1.0 + :ring_margin) / :earth_r "
    f"/ cos(radians({{greatest}}(abs({_LAT_LOW}), abs({_LAT_HIGH}))))) END AS dlon FROM r"
)


def applies(plan, params: dict) -> bool:
    """Whether the near branch of `plan` is read from a ring (`params`: the statement's, with the branch's box)."""
    return (
        plan.sort == "best"
        and plan.offset == 0
        and plan.radius_km > ring_km(plan)
        and len(plan.tags) <= 1
        and not (plan.terms or plan.interest_words)
        and params["min_lon"] <= params["max_lon"]
    )


def statement(*, columns: str, score: str, spatial: str, rest: str, dist: str, postgres: bool, extra: str) -> str:
    """The near branch's statement: rows (id, distance_km, next_epoch, score, total[, generation]), the best
    `branch_limit` by score. `spatial`: the branch's box; `rest`: its filters; `dist`: the distance expression."""
    least, greatest = ("least", "greatest") if postgres else ("min", "max")
    ring = (
        f"SELECT {score} AS score FROM listing_geo g WHERE g.lat_band IN :ring_bands "
        f"AND g.lon BETWEEN :ring_min_lon AND :ring_max_lon AND {rest} AND {dist} <= :ring_km "
        "ORDER BY score DESC LIMIT :branch_limit"
    )
    near = (
        "g.lat_band BETWEEN (SELECT low FROM b) AND (SELECT high FROM b) "
        f"AND g.lon BETWEEN {greatest}(:min_lon, :ring_lon - (SELECT dlon FROM b)) "
        f"AND {least}(:max_lon, :ring_lon + (SELECT dlon FROM b))"
    )
    return (
        f"WITH ring AS MATERIALIZED ({ring}), r(km) AS MATERIALIZED (SELECT {REACH.format(least=least)} FROM ring), "
        f"b AS MATERIALIZED ({BOX.format(greatest=greatest)}) "
        f"SELECT {columns}, (SELECT count(*) FROM listing_geo g WHERE {spatial} AND {rest} AND {dist} <= :radius_km) "
        f"AS total{extra} FROM listing_geo g WHERE {spatial} AND {near} AND {rest} AND {dist} <= (SELECT km FROM b) "
        "ORDER BY score DESC, id LIMIT :branch_limit"
    )


def bind(plan, params: dict) -> None:
    """The ring's parameters: its box, the point, the ceiling of every part but distance, the constants."""
    km = ring_km(plan)
    box = bounding_box(plan.lat, plan.lon, km)
    params.update(
        ring_bands=list(range(lat_band(box.min_lat), lat_band(box.max_lat) + 1)),
        ring_min_lon=box.min_lon,
        ring_max_lon=box.max_lon,
        ring_km=km,
        ring_lat=plan.lat,
        ring_lon=plan.lon,
        # one interest at most, which every row on the page has (1), and no words (`applies`)
        ring_ceiling=ranking.W_TIME + ranking.W_CONNECTION + (ranking.W_INTEREST if plan.tags else 0.0),
        ring_margin=MARGIN,
        km_per_degree=KM_PER_DEGREE_LAT,
        band_degrees=BAND_DEGREES,
        earth_r=EARTH_RADIUS_KM,
    )
