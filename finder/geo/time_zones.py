"""The zone of an item whose times the source gave bare (`Listing.assumed_timezone`, see scrapers/bare_times.py).

In this order: a zone the item or its page stated (the adapter already used it, and the item is then not
marked assumed); the venue's place through the gazetteer (GeoNames' zone of the nearest city; a country
alone only when it has a single zone); the source's catalogue `timezone` (or `finder parse --timezone`);
else UTC, with a problem line saying so. The wall-clock times are kept and read again in the zone found.
Used by the importer (before an item is hashed) and by `finder parse`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from scrapers.bare_times import relocalise
from scrapers.times import zone

log = logging.getLogger(__name__)
SYSTEM_ZONE_TAB = Path("/usr/share/zoneinfo/zone.tab")
# A country's zones are one when they read the same offsets at these instants (winter and summer, both halves).
SAMPLE_INSTANTS = tuple(datetime(2025, month, 15, 12, tzinfo=UTC) for month in (1, 4, 7, 10))


def settle_zone(item, resolver, default_zone: str | None, problems: list[str], defaults: dict | None = None) -> None:
    """Give `item` (a scrapers Listing) the zone its bare times belong to, in place; a problem when none is found."""
    if not item.assumed_timezone or item.all_day:
        return
    found = venue_zone(resolver, item, defaults) or (default_zone if zone(default_zone) else None)
    if found:
        read_in = getattr(getattr(item.start, "tzinfo", None), "key", None)  # the default the adapter used
        if found != read_in:
            relocalise(item, found)
        item.timezone = found
        return
    problems.append(
        f"{(item.title or item.source_key or '?')[:80]}: times without a zone, read as UTC "
        "(no zone from the venue's place or the source's timezone)"
    )


def venue_zone(resolver, item, defaults: dict | None = None) -> str | None:
    """The IANA zone of the item's place, or None when the gazetteer cannot tell it for certain."""
    if resolver is None or (item.online and item.venue.is_empty() and item.lat is None):
        return None
    from finder.geo.listing import locate_venue

    if item.lat is not None and item.lon is not None:
        return resolver.zone_at(item.lat, item.lon)
    place = locate_venue(resolver, item, defaults)
    if place is None:
        return None
    single = country_zone(place.country)
    if single:
        return single
    if place.precision == "country":  # a country of several zones: its capital's zone would be a guess
        return None
    return resolver.zone_at(place.lat, place.lon, place.country)


@cache
def _zone_table() -> dict[str, tuple[str, ...]]:
    """Country code -> its IANA zones, from tzdata's zone.tab (the package, else the system's copy)."""
    text = ""
    try:
        from importlib.resources import files

        text = files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    except (ImportError, OSError):
        try:
            text = SYSTEM_ZONE_TAB.read_text(encoding="utf-8")
        except OSError as error:
            log.warning("no zone.tab to tell one-zone countries: %s", error)
    table: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            parts = line.split("\t")
            if len(parts) >= 3:
                table.setdefault(parts[0], []).append(parts[2])
    return {cc: tuple(names) for cc, names in table.items()}


def country_zones(cc: str) -> tuple[str, ...]:
    """The zones of country `cc` ("DE" -> ("Europe/Berlin", "Europe/Busingen")); () when unknown."""
    return _zone_table().get((cc or "").upper(), ())


@cache
def country_zone(cc: str) -> str | None:
    """The one zone of a country whose clocks all agree (Germany's Busingen keeps Berlin's time), else None."""
    zones = [z for z in (zone(name) for name in country_zones(cc)) if z is not None]
    if not zones:
        return None
    readings = {tuple(moment.astimezone(z).utcoffset() for moment in SAMPLE_INSTANTS) for z in zones}
    return country_zones(cc)[0] if len(readings) == 1 else None
