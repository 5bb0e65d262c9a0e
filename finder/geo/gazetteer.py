"""The offline gazetteer's read-only connection and lookups: names, postcodes, qualifiers, nearest town, zone.

`Gazetteer` opens `data/gazetteer.sqlite` (stdlib sqlite3 only) and turns its rows into `Place`s;
`finder.geo.resolver.Resolver` builds on it to read what people type.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path

from finder.geo.build_postcodes import normalize_postcode
from finder.geo.math import fold, haversine_km
from finder.geo.place_text import name_keys, postcode_keys
from finder.geo.postcode_shapes import postcode_countries

PRECISIONS = ("point", "postcode", "locality", "region", "country")
KIND_PRECISION = {1: "locality", 2: "locality", 3: "region", 4: "country"}
CITY_KIND = 1  # finder/geo/build.py's KINDS["city"]
NEAREST_WITHIN_KM = 30.0  # "my location" is named after a town only this close
MIN_PREFIX = 2  # a postcode not in the gazetteer stands in for by a known code sharing at least this many characters
ZONE_WITHIN_KM = 150.0  # a venue takes the time zone of the nearest city with one, this close at most
# Ranking: log10(population) plus these; the place's own name beats an alternate name, a city beats
# a region of the same name ("Berlin", "New York"), a postal village only wins when nothing else matches.
MAIN_NAME_BONUS = 1.5
KIND_BONUS = {1: 0.0, 2: 0.0, 3: -3.0, 4: 0.0}
# A town within METROPOLIS_KM of a city of METROPOLIS_POPULATION or more is one of its districts (London's
# Richmond): where its name is ambiguous it is offered among the choices, however few people it counts.
METROPOLIS_POPULATION = 1_000_000
METROPOLIS_KM = 25.0


@dataclass
class Place:
    """A resolved place; `alternatives` holds other readings of an ambiguous name, best first."""

    name: str
    lat: float
    lon: float
    precision: str
    country: str = ""
    alternatives: list[Place] = field(default_factory=list)
    region: str = ""
    population: int = 0
    score: float = field(default=0.0, repr=False, compare=False)
    metropolis: str = field(default="", repr=False, compare=False)  # the big city this town is a district of
    attribution: str = field(default="", repr=False, compare=False)  # credit to show: set for online answers

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "lat": self.lat,
            "lon": self.lon,
            "precision": self.precision,
            "country": self.country,
            "region": self.region,
            "alternatives": [a.to_dict() for a in self.alternatives],
        }


class Gazetteer:
    """Place lookups over one gazetteer file, opened read-only (one connection per thread)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"gazetteer not found at {self.path} (run: finder gazetteer build)")
        self._local = threading.local()
        connection = self._connection()
        self.countries = dict(connection.execute("SELECT cc, name FROM countries"))
        self.regions = {(cc, code): name for cc, code, name in connection.execute("SELECT * FROM regions")}
        self.meta = dict(connection.execute("SELECT key, value FROM meta"))
        self._metropolises: dict[tuple[int, int], list[tuple[str, float, float]]] = {}  # by 1-degree cell
        for name, lat_e5, lon_e5 in connection.execute(
            "SELECT name, lat_e5, lon_e5 FROM places WHERE kind = 1 AND population >= ?", (METROPOLIS_POPULATION,)
        ):
            lat, lon = lat_e5 / 100_000, lon_e5 / 100_000
            self._metropolises.setdefault((math.floor(lat), math.floor(lon)), []).append((name, lat, lon))

    def metropolis_of(self, name: str, lat: float, lon: float) -> str:
        """The name of the city of a million or more that the town `name` at (lat, lon) is a district of, or ""."""
        cell_lat, cell_lon = math.floor(lat), math.floor(lon)
        for d_lat in (-1, 0, 1):
            for d_lon in (-1, 0, 1):
                for city, city_lat, city_lon in self._metropolises.get((cell_lat + d_lat, cell_lon + d_lon), ()):
                    if city != name and haversine_km(lat, lon, city_lat, city_lon) <= METROPOLIS_KM:
                        return city
        return ""

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            uri = f"file:{self.path}?mode=ro&immutable=1"
            connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self._local.connection = connection
        return connection

    @property
    def attribution(self) -> str:
        return self.meta.get("attribution", "")

    def country_code(self, text: str | None) -> str | None:
        """ "US", "usa", "United States" -> "US"; None when unknown or empty."""
        if not text:
            return None
        if len(text) == 2 and text.upper() in self.countries:
            return text.upper()
        found = {cc for cc, admin1 in self.qualifier(text) if not admin1}
        return found.pop() if len(found) == 1 else None

    def qualifier(self, text: str) -> set[tuple[str, str]]:
        """(country, admin1) pairs a qualifier such as "OR", "Oregon", "UK" or "France" can mean."""
        rows = self._connection().execute("SELECT cc, admin1 FROM qualifiers WHERE key = ?", (fold(text),))
        return set(rows)

    def names(self, name: str, scopes: list[set]) -> list[Place]:
        """Places called `name` inside every scope, ranked best first."""
        rows = []
        for key in name_keys(name):
            rows = (
                self._connection()
                .execute(
                    "SELECT p.name, p.cc, p.admin1, p.lat_e5, p.lon_e5, p.population, p.kind, n.is_main "
                    "FROM names n JOIN places p ON p.id = n.place_id WHERE n.key = ?",
                    (key,),
                )
                .fetchall()
            )
            if rows:
                break
        places = []
        for name_, cc, admin1, lat_e5, lon_e5, population, kind, is_main in rows:
            if not all(_in_scope(cc, admin1, scope) for scope in scopes):
                continue
            score = math.log10(population + 1) + KIND_BONUS[kind] + (MAIN_NAME_BONUS if is_main else 0.0)
            place = self._place(name_, cc, admin1, lat_e5, lon_e5, population, KIND_PRECISION[kind], score)
            if KIND_PRECISION[kind] == "locality":
                place.metropolis = self.metropolis_of(name_, place.lat, place.lon)
            places.append(place)
        return places

    def postcodes(self, text: str, scopes: list[set], only: str | None = None) -> list[Place]:
        """Postcode readings (full code, else outward code / FSA / ZIP), ranked by the city each lies in.

        A code whose shape names its countries (a CEP "01310-100" is Brazilian) is looked up only there, as
        with an explicit country `only`; when such a code is not in the gazetteer, the nearest known code of
        that country by prefix stands in ("01310-100" -> São Paulo's "01000-000")."""
        countries = {only} if only else postcode_countries(text)
        if countries is None and scopes:  # "01310100, Brazil": the qualifier names the one country
            named = set.intersection(*({cc for cc, _ in scope} for scope in scopes))
            countries = named if len(named) == 1 else None
        connection = self._connection()

        def allowed(cc: str) -> bool:
            return (countries is None or cc in countries) and all(
                _in_scope(cc, "", {(c, "") for c, _ in scope}) for scope in scopes
            )

        for code in postcode_keys(text):
            rows = connection.execute(
                "SELECT code, cc, place, admin1, lat_e5, lon_e5, weight FROM postcodes WHERE code = ?", (code,)
            )
            places = [self._postcode_place(*row) for row in rows if allowed(row[1])]
            if places:
                return places
        if countries is None or len(countries) > 1:
            return []
        return [
            self._postcode_place(*row)
            for row in self._by_prefix(normalize_postcode(text), next(iter(countries)))
            if allowed(row[1])
        ]

    def _by_prefix(self, code: str, cc: str) -> list[tuple]:
        """The codes of country `cc` sharing the longest prefix (MIN_PREFIX characters at least) with `code`."""
        for length in range(len(code) - 1, MIN_PREFIX - 1, -1):
            prefix = code[:length]
            rows = (
                self._connection()
                .execute(
                    "SELECT code, cc, place, admin1, lat_e5, lon_e5, weight FROM postcodes "
                    "WHERE code >= ? AND code < ? AND cc = ? ORDER BY weight DESC LIMIT 3",
                    (prefix, prefix + "\uffff", cc),
                )
                .fetchall()
            )
            if rows:
                return rows
        return []

    def _postcode_place(self, code, cc, place, admin1, lat_e5, lon_e5, weight) -> Place:
        name = f"{code} {place}" if place and place != code else code
        return self._place(name, cc, admin1, lat_e5, lon_e5, weight, "postcode", math.log10(weight + 1))

    def nearest(self, lat: float, lon: float, within_km: float = NEAREST_WITHIN_KM) -> Place | None:
        """The town or city nearest to a point (for naming "my location"), or None when none is within
        `within_km`. A scan of a small box around the point (~35 ms on the full gazetteer)."""
        dlat = within_km / 111.0
        dlon = within_km / max(111.0 * math.cos(math.radians(lat)), 1.0)
        rows = (
            self._connection()
            .execute(
                "SELECT name, cc, admin1, lat_e5, lon_e5, population FROM places WHERE kind = ? "
                "AND lat_e5 BETWEEN ? AND ? AND lon_e5 BETWEEN ? AND ?",
                (
                    CITY_KIND,
                    round((lat - dlat) * 100_000),
                    round((lat + dlat) * 100_000),
                    round((lon - dlon) * 100_000),
                    round((lon + dlon) * 100_000),
                ),
            )
            .fetchall()
        )
        best = min(rows, default=None, key=lambda r: haversine_km(lat, lon, r[3] / 100_000, r[4] / 100_000))
        if best is None or haversine_km(lat, lon, best[3] / 100_000, best[4] / 100_000) > within_km:
            return None
        return self._place(*best, "locality", 0.0)

    def zone_at(self, lat: float, lon: float, cc: str = "", within_km: float = ZONE_WITHIN_KM) -> str | None:
        """GeoNames' IANA zone of the city nearest (lat, lon), in country `cc` when given; None when no city
        with a zone is within `within_km` (or the gazetteer was built before it carried zones)."""
        dlat = within_km / 111.0
        dlon = within_km / max(111.0 * math.cos(math.radians(lat)), 1.0)
        connection = self._connection()
        rows = connection.execute(
            "SELECT id, cc, admin1, lat_e5, lon_e5 FROM places WHERE kind = ? "
            "AND lat_e5 BETWEEN ? AND ? AND lon_e5 BETWEEN ? AND ?",
            (
                CITY_KIND,
                round((lat - dlat) * 100_000),
                round((lat + dlat) * 100_000),
                round((lon - dlon) * 100_000),
                round((lon + dlon) * 100_000),
            ),
        ).fetchall()
        rows = [r for r in rows if not cc or r[1] == cc]
        best = min(rows, default=None, key=lambda r: haversine_km(lat, lon, r[3] / 100_000, r[4] / 100_000))
        if best is None or haversine_km(lat, lon, best[3] / 100_000, best[4] / 100_000) > within_km:
            return None
        try:  # the city's own zone where it is not its region's usual one
            found = (
                connection.execute("SELECT tz FROM zones WHERE place_id = ?", (best[0],)).fetchone()
                or connection.execute("SELECT tz FROM region_zones WHERE cc = ? AND admin1 = ?", best[1:3]).fetchone()
            )
        except sqlite3.OperationalError:  # a gazetteer built before it carried zones
            return None
        return found[0] if found else None

    def _place(self, name, cc, admin1, lat_e5, lon_e5, population, precision, score) -> Place:
        region = self.regions.get((cc, admin1), "") if admin1 else ""
        country = self.countries.get(cc, cc)
        parts = [name] + ([region] if region and region != name and precision != "region" else [])
        if precision != "country":
            parts.append(country)
        return Place(", ".join(parts), lat_e5 / 100_000, lon_e5 / 100_000, precision, cc, [], region, population, score)


def _in_scope(cc: str, admin1: str, scope: set) -> bool:
    return (cc, "") in scope or (cc, admin1) in scope
