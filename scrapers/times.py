"""Lenient date-time and ISO duration parsing, and placing times in IANA or fixed-offset zones."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as date_parser

from scrapers.bare_times import note_bare


def zone(name: str | None) -> ZoneInfo | None:
    """The IANA zone called `name`, or None when unknown."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder name such as 'Europe'
        return None


def aware(value: datetime, tz_name: str | None = None) -> datetime:
    """`value` with a zone: kept if it has one, else `tz_name`, else UTC."""
    if value.tzinfo is not None:
        return value
    tz = zone(tz_name)
    note_bare(tz_name if tz else None)
    return value.replace(tzinfo=tz or UTC)


def parse_when(value, tz_name: str | None = None) -> datetime | None:
    """A lenient date-time parse ('2024-05-01T18:00', 'February 24 2011', epoch seconds); aware or None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return aware(value, tz_name)
    if isinstance(value, date):
        return aware(datetime(value.year, value.month, value.day), tz_name)
    if isinstance(value, (int, float)) or (
        isinstance(value, str) and value.strip().isdigit() and len(value.strip()) >= 9
    ):
        try:
            return datetime.fromtimestamp(float(value), UTC)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        parsed = date_parser.parse(str(value).strip())
    except (ValueError, OverflowError, TypeError):
        return None
    return aware(fixed_offset(parsed), tz_name)


_OFFSET_NAME = re.compile(r"^(?:UTC|GMT)\s*(?:([+-])\s*(\d{1,2})(?::?(\d{2}))?)?$", re.I)


def offset_zone(name: str | None):
    """A fixed-offset tzinfo for non-Olson names like 'UTC+0', 'UTC-5:30', 'GMT+2'; None otherwise."""
    from datetime import timedelta, timezone

    match = _OFFSET_NAME.match((name or "").strip())
    if not match:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours or 0), minutes=int(minutes or 0))
    if delta >= timedelta(hours=15):
        return None
    return timezone(-delta if sign == "-" else delta)


def localize(value: datetime, tz_name: str | None) -> tuple[datetime, str | None]:
    """(`value`, IANA name) when the default zone `tz_name` fits it; (`value`, None) when only an offset is known.

    Naive values are read as wall-clock time in `tz_name` (UTC when unknown); aware values move into
    `tz_name` only when their offset at that instant is the zone's own.
    """
    tz = zone(tz_name)
    if value.tzinfo is None:
        note_bare(tz_name if tz else None)
        return (value.replace(tzinfo=tz), tz_name) if tz else (value.replace(tzinfo=UTC), None)
    if tz is not None and value.astimezone(tz).utcoffset() == value.utcoffset():
        return value.astimezone(tz), tz_name
    return value, None


_ISO_DURATION = re.compile(
    r"^P(?!$)(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?"
    r"(?:T(?=\d)(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$",
    re.I,
)


def iso_duration(value):
    """An ISO 8601 duration ('P6M', 'PT1H30M', 'P1W') as a dateutil relativedelta; None when unreadable."""
    from dateutil.relativedelta import relativedelta

    match = _ISO_DURATION.match(str(value or "").strip())
    if not match:
        return None
    years, months, weeks, days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return relativedelta(
        years=int(years),
        months=int(months),
        days=int(weeks * 7 + days),
        hours=int(hours),
        minutes=int(minutes),
        seconds=int(seconds),
    ).normalized()


def fixed_offset(value: datetime) -> datetime:
    """`value` with dateutil's tzlocal()/tzoffset replaced by a plain fixed offset (naive stays naive)."""
    from datetime import timezone

    offset = value.utcoffset()
    if offset is None:
        return value
    return value.replace(tzinfo=UTC if not offset else timezone(offset))


def settle(value: datetime, tz_name: str | None) -> tuple[datetime, str | None]:
    """Like `localize`, but UTC instants ('Z', epoch) always move into the source zone `tz_name` when known."""
    tz = zone(tz_name)
    if tz is not None and value.tzinfo is not None and value.utcoffset() == timedelta(0):
        return value.astimezone(tz), tz_name
    return localize(value, tz_name)


def zoned_span(start_value, end_value, tz_name: str | None, default_tz: str | None):
    """(start, end, zone name) of an item whose own zone `tz_name` (when it names one) wins over the source's
    `default_tz`: times are read in that zone and shown in it; without one they settle into the default
    (`settle`). start is None when unreadable; end is None when absent or unreadable."""
    start = parse_when(start_value, tz_name or default_tz)
    if start is None:
        return None, None, tz_name
    end = parse_when(end_value, tz_name or default_tz)
    if tz_name:
        return start.astimezone(zone(tz_name)), end.astimezone(zone(tz_name)) if end else None, tz_name
    start, tz_name = settle(start, default_tz)
    return start, settle(end, tz_name)[0] if end and tz_name else end, tz_name
