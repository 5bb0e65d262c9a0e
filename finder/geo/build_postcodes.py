"""Postcodes for the gazetteer build: one row per code, ranked by the city each lies in.

Part of the build (`finder.geo.build`); `normalize_postcode` is shared with the resolver's text reading.
"""

from __future__ import annotations

import math
from collections import defaultdict
from operator import itemgetter

from finder.geo.build_speed import Memo
from finder.geo.math import fold

# A postcode takes the population of the largest city within this distance as its rank weight.
NEAR_CITY_KM = 15.0


def e5(degrees: float) -> int:
    """Degrees as integer 1e-5 degrees (about 1 m), which SQLite stores in 3-4 bytes."""
    return round(degrees * 100_000)


def normalize_postcode(code: str) -> str:
    """Upper case without spaces or hyphens: "sw1a 1aa" -> "SW1A1AA", "100-0001" -> "1000001"."""
    upper = (code or "").upper()
    if upper.isalnum():  # most codes: nothing to drop
        return upper
    if (compact := upper.replace(" ", "").replace("-", "")).isalnum():  # "SW1A 1AA", "100-0001"
        return compact
    return "".join(ch for ch in upper if ch.isalnum())


def short_place(name: str) -> str:
    """A postal place name without its parenthesised detail, at most 60 characters."""
    return (name or "").split(" (", 1)[0].strip()[:60]


def compile_postcodes(rows, region_by_name, grid, postal_countries, folds: Memo | None = None):
    """One row per (code, country) at the mean position, weighted by the largest city near it,
    plus the postal place names (of `postal_countries`, default all) grouped per country and region.
    `folds` is the build's memo of `fold`."""
    folds = Memo(fold) if folds is None else folds
    short_places = Memo(short_place)
    place_keys = Memo(lambda place: _name_key(folds[short_places[place]]))
    grouped: dict[tuple[str, str], list] = defaultdict(list)
    postal_places: dict[tuple[str, str, str], list] = defaultdict(list)
    everywhere = postal_countries is None
    for row in rows:
        code = (row["code"] or "").upper()
        if not code.isalnum():  # most codes are letters and digits only: normalize_postcode drops the rest
            code = normalize_postcode(row["code"])
        if not code or row.get("lat") is None:
            continue
        cc = row["cc"]
        grouped[(code, cc)].append(row)
        if (everywhere or cc in postal_countries) and (key := place_keys[row.get("place", "")]):
            postal_places[(cc, key, region_by_name.get((cc, folds[row.get("state", "")]), ""))].append(row)
    result = []
    for (code, cc), members in grouped.items():
        best = members[0]
        if len(members) == 1:  # the mean of one: no sums to make
            lat, lon = best["lat"], best["lon"]
        else:
            lat = sum(m["lat"] for m in members) / len(members)
            lon = sum(m["lon"] for m in members) / len(members)
        nearby = grid.largest_near(cc, lat, lon, NEAR_CITY_KM)
        if nearby and len(members) > 1:
            best = min(members, key=lambda m: (m["lat"] - nearby["lat"]) ** 2 + (m["lon"] - nearby["lon"]) ** 2)
        admin1 = region_by_name.get((cc, folds[best.get("state", "")]), "")
        own = best.get("place", "") if len(members) <= 3 or not nearby else ""
        place = short_places[own or (nearby["name"] if nearby else "")] or code
        weight = nearby.get("population", 0) if nearby else 0
        result.append((code, cc, place, admin1, round(lat * 100_000), round(lon * 100_000), weight))
    return result, postal_places


def _name_key(key: str) -> str:
    """A postal place's folded name, or "" when it holds a digit (a district number, not a name)."""
    return "" if any(map(str.isdigit, key)) else key


class CityGrid:
    """Cities bucketed by country and 0.25 degree cell, to find the largest city near a point quickly.

    A query looks at its cell and the eight around it; their cities, largest first, are kept per cell asked
    about, since neighbouring postcodes ask about the same cells again and again."""

    CELL_DEG = 0.25
    KM_PER_DEG = 111.195
    NEIGHBOURS = tuple((d_row, d_col) for d_row in (-1, 0, 1) for d_col in (-1, 0, 1))

    def __init__(self):
        self.cells: dict[tuple[str, int, int], list] = defaultdict(list)
        self._near: dict[tuple[str, int, int], list] = {}
        self._sorted = True

    def add(self, city: dict) -> None:
        cell = (city["cc"], int(city["lat"] // self.CELL_DEG), int(city["lon"] // self.CELL_DEG))
        self.cells[cell].append((-city.get("population", 0), city["lat"], city["lon"], city))
        self._near.clear()
        self._sorted = False

    def largest_near(self, cc: str, lat: float, lon: float, radius_km: float) -> dict | None:
        """The most populous city of country `cc` within `radius_km` (equirectangular: exact enough at 15 km);
        of equally populous ones, the first added in the first cell from south-west to north-east."""
        key = (cc, int(lat // self.CELL_DEG), int(lon // self.CELL_DEG))
        candidates = self._near.get(key)
        if candidates is None:
            candidates = self._near[key] = self._candidates(*key)
        cos_lat = math.cos(math.radians(lat))
        limit = (radius_km / self.KM_PER_DEG) ** 2
        for _, city_lat, city_lon, city in candidates:  # largest first
            d_lat, d_lon = city_lat - lat, (city_lon - lon) * cos_lat
            if d_lat * d_lat + d_lon * d_lon <= limit:
                return city
        return None

    def _candidates(self, cc: str, row: int, col: int) -> list[tuple[int, float, float, dict]]:
        if not self._sorted:
            for cell in self.cells.values():
                cell.sort(key=itemgetter(0))  # largest first; stable, so equals stay in the order added
            self._sorted = True
        cells = (self.cells.get((cc, row + d_row, col + d_col), ()) for d_row, d_col in self.NEIGHBOURS)
        cities = [entry for cell in cells for entry in cell if entry[0] <= 0]
        cities.sort(key=itemgetter(0))  # runs already sorted; equals keep their cell order
        return cities
