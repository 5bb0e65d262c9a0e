"""Search-index rows: what one listing's row holds (band, unit vector, flags, day and time masks, text tokens).

Each row carries its unit-sphere vector (x, y, z) for cheap exact distances, and its text carries a 1° cell
token (`cell_name`), so a text search near a place intersects the word's postings with the few cells around
it instead of reading every listing with that word. The tables are `finder.index.schema`'s; the writes
are `finder.index.writes`'.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from finder.geo.math import fold
from finder.ongoing import open_ended
from finder.schedules import DAY_CODES, rule_weekdays
from finder.tags import load_vocabulary

NO_PLACE_BAND = -10_000
ONLINE_CELL = "geonline"  # the text token of listings without a place
BAND_DEGREES = 0.1

FLAG_BITS = {
    "free": 1,
    "kids": 2,
    "teens": 4,
    "seniors": 8,
    "families": 16,
    "groups": 32,
    "wheelchair": 64,
    "sign_language": 128,
    "newcomer": 256,
    "online": 512,
    "recurring": 1024,
    "ongoing": 2048,  # open-ended (finder.ongoing): available from its start date on, any day, any time
}
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TIME_BITS = {"morning": 1, "afternoon": 2, "evening": 4}
ALL_DAYS = (1 << len(DAY_NAMES)) - 1
ALL_TIMES = sum(TIME_BITS.values())


def index_row(item, tag_slugs: list[str], occurrences: list[tuple]) -> dict:
    """The index row of one listing (an ORM Listing or anything with the same attributes).

    `occurrences`: (start, end, status, all_day) tuples. Online listings are indexed without a place.
    An ongoing listing (finder.ongoing) never ends and counts as available on every day at every time:
    its days and hours are not known, and its start date is when it began, not when it meets.
    """
    has_place = item.lat is not None and item.lon is not None and not item.online
    lat = float(item.lat) if has_place else None
    zone = _zone(item.timezone)
    ongoing = open_ended(
        kind=item.kind, recurrence=item.recurrence, start=item.start, end=item.end, all_day=item.all_day
    )
    if ongoing:
        days, times, last = ALL_DAYS, ALL_TIMES, None
    else:
        days, times = schedule_masks(occurrences, zone, item.recurrence)
        ends = [(end or start) for start, end, status, _all_day in occurrences if status == "scheduled"]
        last = max(ends) if ends else (item.end or item.start)
    return {
        "lat_band": lat_band(lat) if has_place else NO_PLACE_BAND,
        "lon": float(item.lon) if has_place else 0.0,
        "id": item.id,
        "lat": lat,
        **dict(
            zip(("x", "y", "z"), unit_vector(lat, float(item.lon)) if has_place else (None, None, None), strict=True)
        ),
        "kind": item.kind,
        "flags": listing_flags(item) | (FLAG_BITS["ongoing"] if ongoing else 0),
        "days_mask": days,
        "times_mask": times,
        "next_epoch": epoch(item.next_start),
        "end_epoch": epoch(last),
        "connection": float(item.connection_score or 0.0),
        "tags": tags_field(tag_slugs),
        "title_norm": title_norm(item.title),
    }


def lat_band(lat: float) -> int:
    return math.floor(lat / BAND_DEGREES)


def unit_vector(lat: float, lon: float) -> tuple[float, float, float]:
    """The point on the unit sphere; straight-line distances between these give ranking distances."""
    phi, lam = math.radians(lat), math.radians(lon)
    return math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)


def cell_name(lat_cell: int, lon_cell: int) -> str:
    """The text token of a 1° cell (floor of lat and lon), indexed with the words so text search can be local."""
    return f"geo{lat_cell + 90}x{lon_cell % 360}"


def label_text(slug: str, label: str) -> str:
    """What a tag adds to its listings' searchable text: its label in every language of the vocabulary (so
    `q=Spiele` finds what the German chip finds), or the stored `label` of a tag the vocabulary lacks."""
    return " ".join(load_vocabulary().labels_of(slug)) or label


def tag_token(slug: str) -> str:
    """The text token of a tag ("outdoors-hiking" -> "tgoutdoorshiking"), indexed beside the cell token."""
    return "tg" + slug.replace("-", "")


def place_tokens(row: dict) -> str:
    """What the index's `cell` text holds: the cell token and one token per tag."""
    return " ".join([cell_token(row)] + [tag_token(s) for s in row["tags"].strip("|").split("|") if s])


def cell_token(row: dict) -> str:
    if row["lat"] is None:
        return ONLINE_CELL
    return cell_name(math.floor(row["lat"]), math.floor(row["lon"]))


def tags_field(slugs: Iterable[str]) -> str:
    """Slugs as '|a|b|' so one substring test finds a tag in SQL and Python alike."""
    return "|" + "|".join(sorted(set(slugs))) + "|"


def title_norm(title: str) -> str:
    """Folded title words with a leading space, so ' word' finds words starting with `word`."""
    return " " + fold(title or "") + " "


def listing_flags(item) -> int:
    from finder.ranking import recurrence_kind

    flags = {
        "free": item.free is True,
        "kids": item.for_kids,
        "teens": item.for_teens,
        "seniors": item.for_seniors,
        "families": item.for_families,
        "groups": item.for_groups,
        "wheelchair": item.wheelchair,
        "sign_language": item.sign_language,
        "newcomer": item.newcomer_friendly,
        "online": item.online,
        "recurring": recurrence_kind(item.recurrence, item.recurrence_text or "") is not None,
        "ongoing": False,  # set by index_row, which knows the listing's dates
    }
    return sum(bit for name, bit in FLAG_BITS.items() if flags[name])


def schedule_masks(occurrences: list[tuple], zone: ZoneInfo, rrule: str | None) -> tuple[int, int]:
    """Weekday bits (Mon = 1) and time-of-day bits of the scheduled occurrences, in local time."""
    days = times = 0
    for start, _end, status, all_day in occurrences:
        if status != "scheduled":
            continue
        if all_day or not isinstance(start, datetime):
            day = start.date() if isinstance(start, datetime) else start
            days |= 1 << day.weekday()
            times |= TIME_BITS["morning"] | TIME_BITS["afternoon"]
            continue
        local = start.astimezone(zone)
        days |= 1 << local.weekday()
        times |= time_bit(local.hour)
    if not days and rrule:
        for code in rule_weekdays(rrule):
            days |= 1 << DAY_CODES.index(code)
    return days, times


def time_bit(hour: int) -> int:
    if 5 <= hour < 12:
        return TIME_BITS["morning"]
    if 12 <= hour < 17:
        return TIME_BITS["afternoon"]
    return TIME_BITS["evening"]


def epoch(value: datetime | date | None) -> float | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0), UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ValueError, KeyError, OSError):
        return ZoneInfo("UTC")
