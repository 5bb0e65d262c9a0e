"""Fetch and parse public listings. Knows nothing of databases or Flask.

Adapters are registered here explicitly: `ADAPTERS[name]` is a class with
`parse(body: bytes, url: str) -> list[Listing]`.
"""

from __future__ import annotations

from importlib import import_module

from scrapers.listing import Listing, Occurrence, Organizer, Venue

ADAPTERS: dict[str, type] = {}


def register(name: str):
    """Class decorator adding an adapter to `ADAPTERS` under `name`."""

    def wrap(cls):
        cls.name = name
        ADAPTERS[name] = cls
        return cls

    return wrap


# Every adapter module, in the order they are tried by format detection. Add new ones here.
ADAPTER_MODULES = (
    "ics.adapter", "gcal", "fullcalendar", "schemaorg.adapter", "tec", "rss", "footprint",
    "gancio", "mobilizon", "activitypub", "socrata", "overpass", "hsds.adapter", "openactive",
    "json_api", "places_csv",
)  # fmt: skip


def load_adapters() -> dict[str, type]:
    """Import every adapter module so the registry is complete, and return it."""
    for module in ADAPTER_MODULES:
        import_module(f"scrapers.{module}")
    return ADAPTERS


__all__ = ["ADAPTERS", "Listing", "Occurrence", "Organizer", "Venue", "load_adapters", "register"]
