"""Resolve what people type, and where listings are, with the offline gazetteer: readings, ranking, the cache.

`get_resolver(config)` gives a `Resolver` over `data/gazetteer.sqlite` (None when the file is
missing); `Resolver.resolve("Portland, OR")` gives a `Place`; `geocode_listing()` is what the
importer calls for listings without source coordinates. The lookups are `finder.geo.gazetteer`'s.
"""

from __future__ import annotations

import re
import threading

from finder.geo.gazetteer import Gazetteer, Place
from finder.geo.math import haversine_km, parse_coordinates
from finder.geo.place_text import PlaceQueryError, interpretations

MAX_ALTERNATIVES = 5
SAME_PLACE_KM = 10.0
POSTCODE_NEAR_NAME_KM = 40.0


class Resolver(Gazetteer):
    """Reads what people type as places over one gazetteer file (the lookups are Gazetteer's)."""

    def resolve(self, text: str, country_hint: str | None = None, country: str | None = None) -> Place | None:
        """The best reading of `text` with its alternatives, or None when nothing matches.

        `country_hint` ranks that country's places first; `country` (code or name) keeps only its places.

        Raises PlaceQueryError for empty, over-long or meaningless input and out-of-range coordinates.
        """
        cleaned = check_place_text(text)
        try:
            point = parse_coordinates(cleaned)
        except ValueError as error:
            raise PlaceQueryError(str(error)) from None
        if point:
            return Place(f"{point.lat:.5f}, {point.lon:.5f}", point.lat, point.lon, "point")
        only = self.country_code(country) if country else None
        if country and only is None:
            return None  # a country filter naming no known country matches nothing
        hint = only or self.country_code(country_hint)
        readings = interpretations(cleaned)
        whole = [r for r in readings if not r.partial]
        # Strict readings first; then, for comma-separated text, the same with unknown qualifiers ignored
        # ("St Ives, Cornwall": a county is no qualifier here); last, a later comma part as the town
        # ("Town Hall, Cambridge MA"). "Springfield Elementary" stays unresolved rather than guessed.
        attempts = [(r, False) for r in whole] + [(r, True) for r in whole if r.qualifiers and "," in cleaned]
        attempts += [(r, False) for r in readings if r.partial]
        for reading, lenient in attempts:
            found = self._read(reading, hint, lenient, only)
            if found and not (reading.partial and found.precision in ("region", "country")):
                return found
        return None

    def _read(self, reading, hint: str | None, lenient: bool = False, only: str | None = None) -> Place | None:
        scopes = []
        for qualifier in reading.qualifiers:
            scope = self.qualifier(qualifier)
            if scope:
                scopes.append(scope)
            elif not lenient:
                return None
        if lenient and len(scopes) == len(reading.qualifiers):
            return None  # nothing was ignored: the strict attempt already said no
        if reading.postcode and not reading.name:
            return _pick(self.postcodes(reading.postcode, scopes, only), hint)
        candidates = [c for c in self.names(reading.name, scopes) if not only or c.country == only]
        if reading.postcode:
            codes = self.postcodes(reading.postcode, scopes, only)
            near = [
                c
                for c in codes
                if candidates
                and any(haversine_km(c.lat, c.lon, p.lat, p.lon) < POSTCODE_NEAR_NAME_KM for p in candidates)
            ]
            return _pick(near, hint)
        return _pick(candidates, hint)


def _pick(candidates: list[Place], hint: str | None = None) -> Place | None:
    """The best candidate (in the hinted country when one is there), with distinct others as alternatives.

    Others within SAME_PLACE_KM of a kept candidate (a city and its region, a postal village) are dropped, and
    so are others named exactly as a kept one ("São Paulo, Brazil": the city and its state), which no one could
    tell apart. At most MAX_ALTERNATIVES are kept, and beyond them the districts of a metropolis.
    """
    if not candidates:
        return None
    hinted = [c for c in candidates if c.country == hint]
    ranked = sorted(hinted, key=lambda p: -p.score) + sorted(
        [c for c in candidates if c.country != hint], key=lambda p: -p.score
    )
    best, kept = ranked[0], [ranked[0]]
    for other in ranked[1:]:
        if len(kept) > MAX_ALTERNATIVES and not other.metropolis:
            continue
        if any(other.name == k.name for k in kept):
            continue
        if all(
            haversine_km(other.lat, other.lon, k.lat, k.lon) > SAME_PLACE_KM or other.country != k.country for k in kept
        ):
            kept.append(other)
    best.alternatives = kept[1:]
    return best


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_QUERY_CHARS = 200


def check_place_text(text) -> str:
    """`text` with spaces collapsed; PlaceQueryError when it is empty, too long or has no letter or digit."""
    if not isinstance(text, str):
        raise PlaceQueryError("a place must be text")
    cleaned = " ".join(_CONTROL.sub(" ", text).split())
    if not cleaned:
        raise PlaceQueryError("no place given")
    if len(cleaned) > MAX_QUERY_CHARS:
        raise PlaceQueryError(f"place text is too long ({len(cleaned)} characters, at most {MAX_QUERY_CHARS})")
    if not any(ch.isalnum() for ch in cleaned):
        raise PlaceQueryError(f"{cleaned!r} is not a place name, postcode or coordinates")
    return cleaned


_RESOLVERS: dict[tuple[str, float], Resolver] = {}
_RESOLVERS_LOCK = threading.Lock()


def get_resolver(config) -> Resolver | None:
    """The resolver for `config.GAZETTEER_PATH`, cached per file (reopened after a rebuild); None when missing."""
    path = config.path(config.GAZETTEER_PATH)
    try:
        stamp = path.stat().st_mtime
    except FileNotFoundError:
        return None
    key = (str(path), stamp)
    with _RESOLVERS_LOCK:
        resolver = _RESOLVERS.get(key)
        if resolver is None:
            for old in [k for k in _RESOLVERS if k[0] == key[0]]:
                del _RESOLVERS[old]
            resolver = _RESOLVERS[key] = Resolver(path)
        return resolver


from finder.geo.listing import geocode_listing  # noqa: E402 (re-exported: the importer's entry point)

__all__ = ["PlaceQueryError", "Resolver", "geocode_listing", "get_resolver"]
