"""Where a listing is, from its venue text: address → postcode → locality → the source's default locality.

Called by the importer (through `finder.geo.resolver.geocode_listing`) only for listings whose source gave
no coordinates. Bad address text is skipped, never raised.
"""

from __future__ import annotations

import logging

from finder.geo.math import haversine_km
from finder.geo.place_text import PlaceQueryError

log = logging.getLogger(__name__)

# A postcode farther than this from the venue's stated town is taken to be from another country's
# scheme (or a typo), and the town wins.
POSTCODE_TOWN_MAX_KM = 80.0


def geocode_listing(resolver, listing, defaults: dict | None = None) -> tuple[float, float, str] | None:
    """(lat, lon, precision) for a scrapers `Listing`, or None when nothing resolves.

    `defaults` carries the source's `locality`, `region` and `country` (code or name). Precision is
    "postcode", "locality", "region" or "country"; a listing that already has coordinates gets them
    back with precision "source".
    """
    if listing.lat is not None and listing.lon is not None:
        return listing.lat, listing.lon, "source"
    place = locate_venue(resolver, listing, defaults)
    if place is None:
        return None
    return place.lat, place.lon, place.precision


def locate_venue(resolver, listing, defaults: dict | None = None):
    """The gazetteer `Place` of a listing's venue text (with its country), or None (see `geocode_listing`)."""
    venue = listing.venue
    if resolver is None or (listing.online and venue.is_empty()):
        return None
    defaults = defaults or {}
    country = resolver.country_code(venue.country) or resolver.country_code(defaults.get("country"))
    qualifiers = [q for q in (venue.region, country or venue.country) if q]

    town_lines = [", ".join([venue.locality, *qualifiers]), ", ".join(p for p in (venue.locality, country) if p)]
    town = _first(resolver, list(dict.fromkeys(town_lines)) if venue.locality else [], country)
    code = _first(
        resolver,
        [f"{venue.postcode}, {country}" if country else venue.postcode] if venue.postcode else [],
        country,
        strict=True,
    )  # a known country filters its postcodes
    if code and town and haversine_km(code.lat, code.lon, town.lat, town.lon) > POSTCODE_TOWN_MAX_KM:
        code = None
    address = None
    if not (code or town) and (venue.street or venue.name):
        lines = [", ".join(p for p in (venue.street, venue.locality, venue.region, venue.postcode) if p), venue.name]
        address = _first(resolver, [line for line in lines if line], country)
    default_lines = []
    if defaults.get("locality"):
        default_lines.append(", ".join(p for p in (defaults["locality"], defaults.get("region"), country) if p))
    if defaults.get("region"):
        default_lines.append(", ".join(p for p in (defaults["region"], country) if p))
    place = code or town or address or _first(resolver, default_lines, country)
    if place is None and country:
        place = _first(resolver, [resolver.countries.get(country, country)], country)
    return place


def _first(resolver, texts: list[str], country: str | None, strict: bool = False):
    for text in texts:
        try:
            place = (
                resolver.resolve(text, country=country)
                if strict and country
                else resolver.resolve(text, country_hint=country)
            )
        except PlaceQueryError as error:
            log.debug("not geocoding %r: %s", text, error)
            continue
        if place is not None and place.precision != "point":
            return place
    return None
