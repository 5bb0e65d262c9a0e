"""Pure geographic helpers: distances, bounding boxes, units, coordinate parsing and name folding.

Standard library only; every function is a pure function of its arguments.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import NamedTuple

EARTH_RADIUS_KM = 6371.0088
KM_PER_MILE = 1.609344
KM_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_KM / 180.0

_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
_HEMI = r"[NSEWnsew]"
_COORD_PAIR = re.compile(
    rf"^\s*(?:near\s+|@\s*)?\(?\s*({_NUMBER})\s*°?\s*({_HEMI})?\s*(?:,|;|\s)\s*({_NUMBER})\s*°?\s*({_HEMI})?\s*\)?\s*$",
    re.IGNORECASE,
)
_FOLD_EXTRA = str.maketrans(
    {"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)
_NON_WORD = re.compile(r"[^\w]+")


class Coordinates(NamedTuple):
    lat: float
    lon: float


class BoundingBox(NamedTuple):
    min_lat: float
    min_lon: float
    max_lat: float
    max_lon: float


def km_to_miles(km: float) -> float:
    return km / KM_PER_MILE


def miles_to_km(miles: float) -> float:
    return miles * KM_PER_MILE


def valid_coordinates(lat: float, lon: float) -> bool:
    """True when both are finite numbers with |lat| <= 90 and |lon| <= 180."""
    try:
        return math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180
    except TypeError:
        return False


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points, kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_km: float) -> BoundingBox:
    """The lat/lon box containing every point within `radius_km` of (lat, lon).

    Near the poles the box spans all longitudes; across the antimeridian `min_lon > max_lon`
    (callers test `lon >= min_lon OR lon <= max_lon` then).
    """
    if radius_km < 0:
        raise ValueError("radius_km must not be negative")
    d_lat = radius_km / KM_PER_DEGREE_LAT
    min_lat, max_lat = lat - d_lat, lat + d_lat
    if min_lat <= -90 or max_lat >= 90:
        return BoundingBox(max(min_lat, -90.0), -180.0, min(max_lat, 90.0), 180.0)
    # Widest longitude reach is at the latitude farthest from the equator within the box.
    d_lon = math.degrees(radius_km / EARTH_RADIUS_KM / math.cos(math.radians(max(abs(min_lat), abs(max_lat)))))
    if d_lon >= 180:
        return BoundingBox(min_lat, -180.0, max_lat, 180.0)
    min_lon, max_lon = lon - d_lon, lon + d_lon
    if min_lon < -180:
        min_lon += 360
    if max_lon > 180:
        max_lon -= 360
    return BoundingBox(min_lat, min_lon, max_lat, max_lon)


def parse_coordinates(text: str) -> Coordinates | None:
    """(lat, lon) from "45.52,-122.68", "45.52 -122.68", "near 45.52,-122.68", "45.52N 122.68W".

    Order is latitude first. With hemisphere letters, N/S marks the latitude and E/W the
    longitude, so "122.68W 45.52N" is understood too. A pair whose first number cannot be a
    latitude but whose second can (e.g. "-122.68, 45.52") is read as lon, lat.
    Returns None when `text` is not a coordinate pair; raises ValueError when it is one but out of range.
    """
    match = _COORD_PAIR.match(text or "")
    if not match:
        return None
    first, first_hemi, second, second_hemi = match.groups()
    a, b = float(first), float(second)
    hemis = ((first_hemi or "").upper(), (second_hemi or "").upper())
    if hemis[0] in ("E", "W") or hemis[1] in ("N", "S"):
        a, b = b, a
        hemis = (hemis[1], hemis[0])
    if hemis[0] == "S":
        a = -abs(a)
    if hemis[1] == "W":
        b = -abs(b)
    if not any(hemis) and abs(a) > 90 and abs(b) <= 90:
        a, b = b, a
    if not valid_coordinates(a, b):
        raise ValueError(f"coordinates out of range: latitude {a}, longitude {b} (|lat| <= 90, |lon| <= 180)")
    return Coordinates(a, b)


def fold(text: str) -> str:
    """Case- and accent-folded words joined by single spaces: "São  Paulo!" -> "sao paulo"."""
    text = text or ""
    if text.isascii():
        lower = text.lower()
        if lower.isalnum():  # one word of letters and digits, as most names are: nothing to replace or split
            return lower
        return " ".join(_NON_WORD.sub(" ", lower).replace("_", " ").split())
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold().translate(_FOLD_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", stripped).replace("_", " ").split())


def is_latin(text: str) -> bool:
    """True when every letter of `text` is Latin script (keeps exonyms, drops other scripts)."""
    if text.isascii():
        return True
    for ch in text:
        code = ord(ch)
        if code < 0x250 or 0x1E00 <= code <= 0x1EFF or not ch.isalpha():
            continue
        if "LATIN" not in unicodedata.name(ch, ""):
            return False
    return True
