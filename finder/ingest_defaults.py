"""The catalogue's defaults, applied to every parsed item by one rule, whatever its adapter.

A source's `kind`, `tags`, `timezone` and `locality`/`region`/`country` (data/sources.toml) fill what
an item leaves blank:

- kind: the source's kind replaces the adapter's fallback (an ICS calendar's "event", an Overpass
  place's "club", an HSDS service's "service", "online" for an event without a place). Only where the
  format itself states the kind does the item keep it (`Listing.kind_stated`): a Footprint feed lists
  volunteer opportunities and nothing else. Whether an event is held online is a fact the format may
  state (schema.org's attendance mode, TEC's `is_virtual`, an ICS CONFERENCE); it stays in `online`
  and is not a kind, so a volunteering source's online role is still volunteering.
- kind "online" means online and placeless: `online` is set and the venue and coordinates dropped, so
  the listing is searched as an online one (never geocoded to the source's town).
- tags: the source's tags are added to the item's own.
- timezone: the source's zone when the item names none (its times were already read in that zone
  by the adapter when they were bare).
- locality, region, country: fill the venue's blank parts, unless the listing is placeless online.

Applied in the importer before an item is validated and hashed, so a change of the catalogue's
defaults reaches stored listings at the next run.
"""

from __future__ import annotations

from dataclasses import replace

from scrapers.listing import Venue


def apply_source_defaults(item, source):
    """`item` (a scrapers Listing) with `source`'s catalogue defaults filled in; the same object when
    nothing changes, else a copy (the parsed item is left as it was)."""
    changes: dict = {}
    kind = item.kind if item.kind_stated or not source.kind else source.kind
    if kind != item.kind:
        changes["kind"] = kind
    placeless = kind == "online"
    if placeless:
        if not item.online:
            changes["online"] = True
        if not item.venue.is_empty():
            changes["venue"] = Venue()
        if item.lat is not None or item.lon is not None:
            changes["lat"] = changes["lon"] = None
    extra_tags = [slug for slug in source.tags or () if slug not in item.tags]
    if extra_tags:
        changes["tags"] = [*item.tags, *extra_tags]
    if not item.timezone and source.timezone:
        changes["timezone"] = source.timezone
    venue = None if placeless or (item.online and item.venue.is_empty()) else _venue_defaults(item.venue, source)
    if venue is not None:
        changes["venue"] = venue
    return replace(item, **changes) if changes else item


def _venue_defaults(venue: Venue, source) -> Venue | None:
    """The venue with the source's locality, region and country where it has none (None: nothing to fill)."""
    names = ("locality", "region", "country") if not venue.locality else ("country",)  # a region goes with its town
    filled = {name: value for name in names if not getattr(venue, name) and (value := getattr(source, name, "") or "")}
    return replace(venue, **filled) if filled else None
