"""Times a source gave without a zone ("2019-09-13T10:00"): noticed while an item is read, settled later.

An adapter reads a bare time in the default zone it was handed (the catalogue's `timezone`, else UTC)
through `scrapers.times.localize`/`aware` or `scrapers.ics.times`; those call `note_bare(zone_name)`.
`Context.each` watches each item (`watching()`) and marks a listing `assumed_timezone` when one of its
times was read in such a default rather than in a zone the item (or its calendar) stated.

The zone is then settled outside the adapter, where more is known (finder/geo/time_zones.py: the venue's
place through the gazetteer, then the catalogue, else UTC with a problem): `relocalise()` reads the
same wall-clock times again in the zone found.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_SEEN: ContextVar[list | None] = ContextVar("bare_times_seen", default=None)


def note_bare(zone_name: str | None) -> None:
    """Record that a bare time was just read in the default zone `zone_name` (None: UTC)."""
    seen = _SEEN.get()
    if seen is not None:
        seen.append(zone_name)


@contextmanager
def watching() -> Iterator[list]:
    """The zone names bare times were read in while the block ran (a fresh list per block)."""
    seen: list = []
    token = _SEEN.set(seen)
    try:
        yield seen
    finally:
        _SEEN.reset(token)


def defaulted(seen: list, default_zone: str | None) -> bool:
    """Whether any bare time was read in the default `default_zone` (or in UTC for want of one), not in
    a zone the item stated."""
    return any(name is None or name == default_zone for name in seen)


def relocalise(listing, zone_name: str) -> None:
    """The listing's wall-clock times read again in `zone_name` (in place); dates are left alone.

    Only for a listing whose times were bare: a time read as 10:00 in the old default stays 10:00,
    now in `zone_name`, for its start, end and every expanded occurrence."""
    try:
        tz = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return
    listing.start = _moved(listing.start, tz)
    listing.end = _moved(listing.end, tz)
    for occurrence in listing.occurrences:
        occurrence.start = _moved(occurrence.start, tz)
        occurrence.end = _moved(occurrence.end, tz)
    listing.timezone = zone_name


def _moved(value, tz):
    if not isinstance(value, datetime):
        return value
    return value.replace(tzinfo=tz)  # its wall-clock reading in the zone it was read in, now in `tz`
