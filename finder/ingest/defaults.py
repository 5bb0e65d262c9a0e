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

from scrapers.listing import Venue


def apply_source_defaults(item, source):
    """`item` (a scrapers Listing) with `source`'s catalogue defaults filled in, in place (the importer owns
    the items a run parsed; applying the defaults twice changes nothing), and returned. In place because
    it runs for every item of every import: a copy of the dataclass would cost more than the rule."""
    if source.kind and not item.kind_stated:
        item.kind = source.kind
    placeless = item.kind == "online"
    if placeless:
        item.online = True
        if not item.venue.is_empty():
            item.venue = Venue()  # a new one: adapters may share a venue between items
        item.lat = item.lon = None
    if source.tags:
        item.tags = [*item.tags, *(slug for slug in source.tags if slug not in item.tags)]
    if not item.timezone and source.timezone:
        item.timezone = source.timezone
    if not placeless and not (item.online and item.venue.is_empty()):
        _fill_venue(item.venue, source)
    return item


def _fill_venue(venue: Venue, source) -> None:
    """The source's locality, region and country where the venue has none (a region only with its town)."""
    if not venue.locality and source.locality:
        venue.locality = source.locality
        if not venue.region and source.region:
            venue.region = source.region
    if not venue.country and source.country:
        venue.country = source.country
