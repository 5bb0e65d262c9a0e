"""Which of a window's new listings match each saved search: search's filters, evaluated in memory.

The listings first seen in a window (a day's new ones) are read once into a `Window` of index rows
(`finder.index.rows` row fields plus `first_seen`); each saved search arrives as search's own `Plan`
(`finder.search.run.make_plan`), so parsing and filter meanings stay search's. Each filter is search's own
definition (`finder.search.filters`: the row test beside the SQL condition). Sets of listings are Python ints
used as bit sets (bit i = the i-th listing by first_seen): a filter's set for a value (a kind list, a date
window) is computed once and shared by every plan asking the same, so each filter is one AND, and "first seen
after `since`" is a run of high bits. A grid of 0.5° cells over the listings with a place finds the few near a
point; the survivors get the place filter's row test (`search_filters.Near`). Online listings (indexed without
a place) join a point query's matches unless it says `online=exclude`. Text (stemmed full-text matching) is the
database's: callers pass `text_hits`, the ids each `text_keys(plan)` expression matches among the window's
listings. Matches come back in search order (`best` score or `soonest`) with `ranking.score`, as the SQL sorts.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from finder import ranking
from finder.geo import bounding_box
from finder.index import FLAG_BITS, NO_PLACE_BAND, lat_band
from finder.search import FILTERS, Near, Plan, TextKey

GRID_BANDS = 5  # grid rows are 5 latitude bands (0.5°)
GRID_LON_DEGREES = 0.5
RANKED_MEMO = 50_000  # distance-free answers kept per window (each at most `limit` keys)
WALK_ABOVE = 4  # walk a precomputed order when a distance-free group has more than this many per wanted listing


@dataclass(frozen=True, slots=True)
class NewListing:
    """One window listing: its `listing_geo` row, when it was first seen (epoch s) and its scheduled spans."""

    id: int
    first_seen: float
    lat_band: int
    lat: float | None
    lon: float
    x: float | None
    y: float | None
    z: float | None
    kind: str
    flags: int
    days_mask: int
    times_mask: int
    next_epoch: float | None
    end_epoch: float | None
    connection: float
    tags: str  # "|slug|slug|"
    title_norm: str
    spans: tuple[tuple[float, float], ...] = ()  # scheduled occurrences: (start, end or start), epoch s


def set_bits(bits: int) -> Iterable[int]:
    """Positions of the set bits, lowest first.

    Read from the number's binary digits in one pass: clearing the lowest bit one at a time makes a new
    window-sized int per bit, quadratic for a large group (an alert without a place can match thousands)."""
    digits = bin(bits)[:1:-1]  # lowest bit first, without the "0b"
    position = digits.find("1")
    while position >= 0:
        yield position
        position = digits.find("1", position + 1)


class Window:
    """The window's listings, indexed for `match`; `now` is the epoch time the plans were made for."""

    def __init__(self, listings: Iterable[NewListing], now: float):
        self.items = sorted(listings, key=lambda item: (item.first_seen, item.id))
        self.now = now
        self.first_seen = [item.first_seen for item in self.items]
        self.position = {item.id: i for i, item in enumerate(self.items)}
        self.all = (1 << len(self.items)) - 1
        self.placed = self.online = 0
        self.tags: dict[str, int] = {}
        self.grid: dict[tuple[int, int], int] = {}
        self._passing: dict[tuple[int, object], int] = {}  # (filter's place in FILTERS, value): who passes
        self._orders: dict[tuple[bool, bool, bool], list[int]] = {}
        self._ranked_memo: dict[tuple, list[tuple[tuple, int]]] = {}  # see _ranked
        self._texts: dict[TextKey, int | None] = {}  # text hits as bit sets (the hits of one prepare)
        self.hours = [None if item.next_epoch is None else (item.next_epoch - now) / 3600.0 for item in self.items]
        for i, item in enumerate(self.items):
            bit = 1 << i
            for slug in item.tags.strip("|").split("|"):
                if slug:
                    self.tags[slug] = self.tags.get(slug, 0) | bit
            if item.lat_band != NO_PLACE_BAND:
                self.placed |= bit
                cell = (item.lat_band // GRID_BANDS, math.floor(item.lon / GRID_LON_DEGREES))
                self.grid[cell] = self.grid.get(cell, 0) | bit
            elif item.flags & FLAG_BITS["online"]:
                self.online |= bit

    @property
    def ids(self) -> list[int]:
        return [item.id for item in self.items]

    def match(
        self,
        plan: Plan,
        since: float,
        text_hits: Mapping[TextKey, frozenset[int] | None],
        exclude_ids: Iterable[int] = (),
        limit: int = 11,
    ) -> list[int]:
        """Ids of the listings first seen after `since` (epoch s) that `plan` finds, in its order, at most `limit`.

        A `text_hits` value of None marks an expression without searchable words (PostgreSQL drops
        stop words): like the SQL, near a point it restricts nothing, and without a point it matches nothing.
        """
        first = bisect_right(self.first_seen, since)
        chosen = (self.all >> first << first) & self._filters(plan, text_hits)
        for listing_id in exclude_ids:
            if listing_id in self.position:
                chosen &= ~(1 << self.position[listing_id])
        if not chosen:
            return []
        if plan.lat is None:
            found = self._ranked(plan, chosen, False, limit)
        else:
            found = self._near(plan, chosen & self._cells(plan)) if plan.online != "only" else []
            if plan.online != "exclude":
                found += self._ranked(plan, chosen & self.online, True, limit)
        found.sort()
        return [listing_id for _, listing_id in found[:limit]]

    def _ranked(self, plan: Plan, group: int, online: bool, limit: int) -> list[tuple[tuple, int]]:
        """Sort keys of the group's first `limit` (a group without distances: online ones, or all without a point).

        Without interests or title terms a listing's score is its own, so a large group is walked in a
        precomputed order instead of scoring every member. Without distances the keys depend only on what
        `memo_key` names, so saved searches that differ only in their point (most) share one answer.
        """
        memo_key = (group, online, limit, plan.sort, tuple(plan.tags), tuple(plan.title_terms), plan.lat is not None)
        if memo_key in self._ranked_memo:
            return list(self._ranked_memo[memo_key])
        found = self._rank(plan, group, online, limit)
        if len(self._ranked_memo) < RANKED_MEMO:
            self._ranked_memo[memo_key] = found
        return list(found)

    def _rank(self, plan: Plan, group: int, online: bool, limit: int) -> list[tuple[tuple, int]]:
        if plan.tags or plan.title_terms or group.bit_count() <= WALK_ABOVE * limit:
            return heapq.nsmallest(
                limit, ((self._key(plan, i, None, online), self.items[i].id) for i in set_bits(group))
            )
        picked = []
        for i in self._order(plan, online):
            if group >> i & 1:
                picked.append((self._key(plan, i, None, online), self.items[i].id))
                if len(picked) == limit:
                    break
        return picked

    def _order(self, plan: Plan, online: bool) -> list[int]:
        variant = (plan.sort == "soonest", online, plan.lat is not None)
        if variant not in self._orders:
            members = set_bits(self.online) if online else range(len(self.items))
            self._orders[variant] = sorted(members, key=lambda i: self._key(plan, i, None, online))
        return self._orders[variant]

    def _filters(self, plan: Plan, text_hits: Mapping[TextKey, frozenset[int] | None]) -> int:
        chosen = self.all
        for place, spec in enumerate(FILTERS):
            value = spec.value(plan)
            if value is not None:
                chosen &= self._passes(place, value)
        if plan.terms:
            chosen &= self._text(("AND", tuple(plan.terms)), text_hits, plan)
        if plan.tags or plan.interest_words:
            wanted = _union(self.tags.get(slug, 0) for slug in plan.tags)
            if plan.interest_words:
                wanted |= self._text(("OR", tuple(plan.interest_words)), text_hits, plan)
            chosen &= wanted
        return chosen

    def _text(self, key: TextKey, text_hits: Mapping[TextKey, frozenset[int] | None], plan: Plan) -> int:
        if key not in self._texts:
            hits = text_hits[key]
            self._texts[key] = (
                None if hits is None else _union(1 << self.position[i] for i in hits if i in self.position)
            )
        if self._texts[key] is None:
            return self.all if plan.lat is not None else 0
        return self._texts[key]

    def _passes(self, place: int, value) -> int:
        """The listings that pass filter FILTERS[place] for `value` (its row test, once per distinct value)."""
        key = (place, value)
        if key not in self._passing:
            keep = FILTERS[place].keep
            self._passing[key] = _union(1 << i for i, item in enumerate(self.items) if keep(value, item))
        return self._passing[key]

    def _cells(self, plan: Plan) -> int:
        """Listings in the grid cells that the query's box touches (a superset of the SQL's box)."""
        box = bounding_box(plan.lat, plan.lon, plan.radius_km)
        rows = range(lat_band(box.min_lat) // GRID_BANDS, lat_band(box.max_lat) // GRID_BANDS + 1)
        west, east = math.floor(box.min_lon / GRID_LON_DEGREES), math.floor(box.max_lon / GRID_LON_DEGREES)
        columns = range(west, east + 1) if west <= east else [*range(west, 361), *range(-361, east + 1)]
        if len(rows) * len(columns) > len(self.grid):
            wanted_columns = set(columns)
            return _union(bits for (row, column), bits in self.grid.items() if row in rows and column in wanted_columns)
        return _union(self.grid.get((row, column), 0) for row in rows for column in columns)

    def _near(self, plan: Plan, candidates: int) -> list[tuple[tuple, int]]:
        """The place filter's row test (search's SQL tests: band, longitude range, distance <= radius) on each
        candidate."""
        distance_of = Near.of(plan).tester()
        found = []
        for i in set_bits(candidates):
            distance_km = distance_of(self.items[i])
            if distance_km is not None:
                found.append((self._key(plan, i, distance_km, False), self.items[i].id))
        return found

    def _key(self, plan: Plan, i: int, distance_km: float | None, online: bool) -> tuple:
        """The SQL's ORDER BY for `plan.sort` ('nearest' as in search), with `ranking.score` as the score."""
        item = self.items[i]
        relevance = list(dict.fromkeys(plan.title_terms)) if plan.title_terms else ()
        score = ranking.score(
            distance_km=distance_km,
            has_place=plan.lat is not None,
            online=online,
            interest_overlap=ranking.fraction(sum(f"|{slug}|" in item.tags for slug in plan.tags), len(plan.tags)),
            text_relevance=ranking.fraction(sum(f" {term}" in item.title_norm for term in relevance), len(relevance)),
            hours_until_start=self.hours[i],
            connection=item.connection,
        )
        if plan.sort == "soonest":
            return (item.next_epoch is None, item.next_epoch or 0.0, -score, item.id)
        if plan.sort == "nearest":
            return (distance_km is None, distance_km or 0.0, -score, item.id)
        return (-score, item.id)


def _union(parts: Iterable[int]) -> int:
    bits = 0
    for part in parts:
        bits |= part
    return bits
