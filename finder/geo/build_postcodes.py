"""Postcodes for the gazetteer build: one row per code, ranked by the city each lies in.

Part of the build (`finder.geo.build`); `normalize_postcode` is shared with the resolver's text reading.
"""

from __future__ import annotations

import math
from collections import defaultdict
from functools import lru_cache

from finder.geo.math import fold as _fold

# A postcode takes the population of the largest city within this distance as its rank weight.
NEAR_CITY_KM = 15.0
fold = lru_cache(maxsize=1 << 18)(_fold)  # postcode rows repeat the same place and state names


def e5(degrees: float) -> int:
    """Degrees as integer 1e-5 degrees (about 1 m), which SQLite stores in 3-4 bytes."""
    return round(degrees * 100_000)


def normalize_postcode(code: str) -> str:
    """Upper case without spaces or hyphens: "sw1a 1aa" -> "SW1A1AA", "100-0001" -> "1000001"."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def short_place(name: str) -> str:
    """A postal place name without its parenthesised detail, at most 60 characters."""
    return (name or "").split(" (", 1)[0].strip()[:60]


def compile_postcodes(rows, region_by_name, grid, postal_countries):
    """One row per (code, country) at the mean position, weighted by the largest city near it,
    plus the postal place names (of `postal_countries`, default all) grouped per country and region."""
    grouped: dict[tuple[str, str], list] = defaultdict(list)
    postal_places: dict[tuple[str, str, str], list] = defaultdict(list)
    for row in rows:
        code = normalize_postcode(row["code"])
        if not code or row.get("lat") is None:
            continue
        grouped[(code, row["cc"])].append(row)
        key = fold(short_place(row.get("place", "")))
        if key and not any(ch.isdigit() for ch in key) and (postal_countries is None or row["cc"] in postal_countries):
            admin1 = region_by_name.get((row["cc"], fold(row.get("state", ""))), "")
            postal_places[(row["cc"], key, admin1)].append(row)
    result = []
    for (code, cc), members in grouped.items():
        lat = sum(m["lat"] for m in members) / len(members)
        lon = sum(m["lon"] for m in members) / len(members)
        nearby = grid.largest_near(cc, lat, lon, NEAR_CITY_KM)
        best = members[0]
        if nearby and len(members) > 1:
            best = min(members, key=lambda m: (m["lat"] - nearby["lat"]) ** 2 + (m["lon"] - nearby["lon"]) ** 2)
        admin1 = region_by_name.get((cc, fold(best.get("state", ""))), "")
        own = best.get("place", "") if len(members) <= 3 or not nearby else ""
        place = short_place(own or (nearby["name"] if nearby else "")) or code
        weight = nearby.get("population", 0) if nearby else 0
        result.append((code, cc, place, admin1, e5(lat), e5(lon), weight))
    return result, postal_places


class CityGrid:
    """Cities bucketed by 0.25 degree cells, to find the largest city near a point quickly."""

    CELL_DEG = 0.25
    KM_PER_DEG = 111.195

    def __init__(self):
        self.cells: dict[tuple[int, int], list] = defaultdict(list)
        self._sorted = True

    def add(self, city: dict) -> None:
        self.cells[(int(city["lat"] // self.CELL_DEG), int(city["lon"] // self.CELL_DEG))].append(city)
        self._sorted = False

    def largest_near(self, cc: str, lat: float, lon: float, radius_km: float) -> dict | None:
        """The most populous city of country `cc` within `radius_km` (equirectangular: exact enough at 15 km)."""
        if not self._sorted:
            for cell in self.cells.values():
                cell.sort(key=lambda c: -c.get("population", 0))
            self._sorted = True
        row, col = int(lat // self.CELL_DEG), int(lon // self.CELL_DEG)
        cos_lat = math.cos(math.radians(lat))
        limit = (radius_km / self.KM_PER_DEG) ** 2
        best, best_population = None, -1
        for d_row in (-1, 0, 1):
            for d_col in (-1, 0, 1):
                for city in self.cells.get((row + d_row, col + d_col), ()):  # largest first
                    if city.get("population", 0) <= best_population:
                        break
                    d_lat, d_lon = city["lat"] - lat, (city["lon"] - lon) * cos_lat
                    if d_lat * d_lat + d_lon * d_lon <= limit and city["cc"] == cc:
                        best, best_population = city, city.get("population", 0)
                        break
        return best
