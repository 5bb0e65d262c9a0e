"""Search's filters, each defined once: the SQL condition search runs and the same test on one index row,
which the alert matcher (`finder.alerts.batch`) runs in memory over a day's new listings.

A `Filter` reads what a `search_sql.Plan` asks of it (`value`: None when the query does not use it), writes its
condition over `listing_geo g` (`sql`, binding its values into the statement's parameters) and answers the same
question for one row (`keep`; rows carry `listing_geo`'s columns, plus `spans`, the scheduled occurrences as
(start, end) epoch seconds). `FILTERS` is the table, in the order search's SQL tests them: adding a filter is
one entry, and both search and alerts then apply it. The place (`NEAR`) is the same pair for a point and
radius. Text (`q`, interest words) is the database's full-text index for both: `text_keys` names the
expressions a plan asks of it (search_sql renders them per dialect, alerts ask the index for their hits).
An oracle test (tests/test_alert_batch.py) keeps checking that alerts find exactly what search finds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from finder.geo import EARTH_RADIUS_KM, bounding_box
from finder.index import FLAG_BITS, lat_band, unit_vector

if TYPE_CHECKING:
    from finder.search.sql import Plan

ONLINE, ONGOING = FLAG_BITS["online"], FLAG_BITS["ongoing"]
TextKey = tuple[str, tuple[str, ...]]  # ("AND" | "OR", folded words), as search joins them


@dataclass(frozen=True)
class Filter:
    """One filter: the search parameters it serves, what a plan asks of it, its SQL and its row test."""

    params: str
    value: Callable[[Plan], Hashable | None]
    sql: Callable[[Any, dict], str]
    keep: Callable[[Any, Any], bool]


def _alive_sql(now: float, params: dict) -> str:
    params["now"] = now
    return "(g.end_epoch IS NULL OR g.end_epoch >= :now)"


def _bound(name: str, condition: str) -> Callable[[Any, dict], str]:
    """The SQL of a filter with one bound value `name`."""

    def sql(value, params: dict) -> str:
        params[name] = list(value) if isinstance(value, tuple) else value
        return condition

    return sql


def _online_sql(online: str, params: dict) -> str:
    params["online_flag"] = ONLINE
    return "(g.flags & :online_flag) " + ("!= 0" if online == "only" else "= 0")


def _window_sql(window: tuple, params: dict) -> str:
    params["win_from"], params["win_to"] = window
    params["from_epoch"], params["to_epoch"] = (w.timestamp() for w in window)
    params["ongoing_bit"] = ONGOING
    # an ongoing listing is available in any window that ends after its start (finder.ongoing)
    return (
        "((g.next_epoch >= :from_epoch AND g.next_epoch < :to_epoch) "
        "OR ((g.flags & :ongoing_bit) != 0 AND (g.next_epoch IS NULL OR g.next_epoch < :to_epoch)) "
        "OR EXISTS (SELECT 1 FROM occurrences o "
        "WHERE o.listing_id = g.id AND o.status = 'scheduled' AND o.start < :win_to "
        'AND COALESCE(o."end", o.start) > :win_from))'
    )


def _in_window(window: tuple, row) -> bool:
    """Next start, or some scheduled occurrence, in [from, to); or ongoing and begun before `to`."""
    start, end = (moment.timestamp() for moment in window)
    return (
        (row.next_epoch is not None and start <= row.next_epoch < end)
        or (row.flags & ONGOING and (row.next_epoch is None or row.next_epoch < end))
        or any(begins < end and finishes > start for begins, finishes in row.spans)
    )


FILTERS: tuple[Filter, ...] = (
    Filter(
        "(always) not over",
        lambda plan: plan.now_epoch,
        _alive_sql,
        lambda now, row: row.end_epoch is None or row.end_epoch >= now,
    ),
    Filter(
        "kind",
        lambda plan: tuple(plan.kinds) or None,
        _bound("kinds", "g.kind IN :kinds"),
        lambda kinds, row: row.kind in kinds,
    ),
    Filter(
        "free, newcomer, recurring, access",
        lambda plan: plan.must_flags or None,
        _bound("must_flags", "(g.flags & :must_flags) = :must_flags"),
        lambda flags, row: row.flags & flags == flags,
    ),
    Filter(
        "audience",
        lambda plan: plan.any_flags or None,
        _bound("any_flags", "(g.flags & :any_flags) != 0"),
        lambda flags, row: row.flags & flags != 0,
    ),
    Filter(
        "days",
        lambda plan: plan.days_mask or None,
        _bound("days_mask", "(g.days_mask & :days_mask) != 0"),
        lambda mask, row: row.days_mask & mask != 0,
    ),
    Filter(
        "time",
        lambda plan: plan.times_mask or None,
        _bound("times_mask", "(g.times_mask & :times_mask) != 0"),
        lambda mask, row: row.times_mask & mask != 0,
    ),
    Filter(
        "online",
        lambda plan: plan.online if plan.online in ("only", "exclude") else None,
        _online_sql,
        lambda online, row: bool(row.flags & ONLINE) == (online == "only"),
    ),
    Filter("when, from, to", lambda plan: plan.window or None, _window_sql, _in_window),
)


def sql_conditions(plan: Plan, params: dict) -> list[str]:
    """The SQL conditions of every filter `plan` uses, their values bound into `params`."""
    return [spec.sql(value, params) for spec in FILTERS if (value := spec.value(plan)) is not None]


@dataclass(frozen=True)
class Near:
    """The place filter: within `radius_km` of the point, by the straight-line distance between unit vectors,
    after a latitude-band and longitude-range prefilter (the search index's layout)."""

    lat: float
    lon: float
    radius_km: float

    @classmethod
    def of(cls, plan: Plan) -> Near | None:
        return None if plan.lat is None else cls(plan.lat, plan.lon, plan.radius_km)

    def sql(self, params: dict) -> tuple[str, str]:
        """(prefilter condition, distance expression); the caller tests `distance <= :radius_km`."""
        box = bounding_box(self.lat, self.lon, self.radius_km)
        params["bands"] = list(range(lat_band(box.min_lat), lat_band(box.max_lat) + 1))
        x0, y0, z0 = unit_vector(self.lat, self.lon)
        params.update(
            min_lon=box.min_lon,
            max_lon=box.max_lon,
            x0=x0,
            y0=y0,
            z0=z0,
            earth_r=EARTH_RADIUS_KM,
            radius_km=self.radius_km,
        )
        lon_test = (
            "g.lon BETWEEN :min_lon AND :max_lon"
            if box.min_lon <= box.max_lon
            else "(g.lon >= :min_lon OR g.lon <= :max_lon)"
        )
        dist = "(:earth_r * sqrt((g.x - :x0) * (g.x - :x0) + (g.y - :y0) * (g.y - :y0) + (g.z - :z0) * (g.z - :z0)))"
        return f"g.lat_band IN :bands AND {lon_test}", dist

    def tester(self) -> Callable[[Any], float | None]:
        """`distance_km(row)`: the row's distance when it passes the SQL's tests, else None."""
        box = bounding_box(self.lat, self.lon, self.radius_km)
        low_band, high_band = lat_band(box.min_lat), lat_band(box.max_lat)
        x0, y0, z0 = unit_vector(self.lat, self.lon)
        wraps = box.min_lon > box.max_lon

        def distance_km(row) -> float | None:
            if not low_band <= row.lat_band <= high_band:
                return None
            inside = (
                (row.lon >= box.min_lon or row.lon <= box.max_lon) if wraps else box.min_lon <= row.lon <= box.max_lon
            )
            return _near(row, x0, y0, z0, self.radius_km) if inside else None

        return distance_km


def _near(row, x0: float, y0: float, z0: float, radius_km: float) -> float | None:
    dx, dy, dz = row.x - x0, row.y - y0, row.z - z0
    distance_km = EARTH_RADIUS_KM * math.sqrt(dx * dx + dy * dy + dz * dz)
    return distance_km if distance_km <= radius_km else None


def text_keys(plan: Plan) -> list[TextKey]:
    """The full-text expressions `plan` asks of the index: all `q` terms (AND), interest words (OR); a listing
    passes `q` when it matches the first, and interests when it has one of `plan.tags` or matches the second."""
    keys = []
    if plan.terms:
        keys.append(("AND", tuple(plan.terms)))
    if plan.interest_words:
        keys.append(("OR", tuple(plan.interest_words)))
    return keys
