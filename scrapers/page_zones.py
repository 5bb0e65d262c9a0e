"""A zone the page itself states, for items whose own times are bare (issue 19, second in the order).

Pages that print bare local times ("2019-09-18T10:00") often state the zone elsewhere:
- instants beside the local times: EventOn's calendar links carry `sunix`/`eunix` (UTC) in the same event
  card as its microdata `startDate`; "add to Google Calendar" links carry `dates=<UTC>Z/<UTC>Z` and the
  event's title (`text=`);
- a zone by name: `ctz=Area/City` in a calendar link, a `"timezone"`/`"timeZone"`/`"timezone_string"` field
  in the page's JSON, a `data-timezone` attribute. Only `Area/City` names count: a bare "UTC" is what an
  unconfigured WordPress says, not a statement. Two different names on one page state nothing.

From the (local, UTC) pairs we keep the IANA zones that agree with every pair. A named zone (the page's, else
the source's catalogue zone) that agrees is used as the zone; otherwise each time gets the fixed offset on
which every agreeing zone concurs (`timezone` stays null: only an offset is known), and an item is left
alone when they disagree. The page is followed even where its instants look odd: a site set to a fixed
"UTC-5" (Cook County's EventOn) says 15:00Z for a 10:00 December meeting in Chicago, and we say what it says.
Items so settled are no longer `assumed_timezone`; the rest go on to the venue's zone (finder/geo/time_zones.py).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo, available_timezones

from scrapers.bare_times import relocalise
from scrapers.times import zone

MAX_PAIRS = 60  # enough to pin a zone; bounds the work on a long page
MAX_OFFSET = timedelta(hours=14)
QUARTER_HOUR = timedelta(minutes=15)
_ZONE_FIELD = re.compile(
    r"""["']?(?:timezone|timeZone|time_zone|timezone_string|tzid)["']?\s*[:=]\s*["']([A-Za-z_]+(?:/[A-Za-z0-9_+\-]+)+)["']"""
)
_ZONE_ATTR = re.compile(r"""data-(?:timezone|tz)\s*=\s*["']([A-Za-z_]+(?:/[A-Za-z0-9_+\-]+)+)["']""")
_LINK = re.compile(r"""[^\s"'<>]*(?:[?&;](?:sunix|dates|ctz)=)[^\s"'<>]*""")
_UTC_STAMP = re.compile(r"^(\d{8}T\d{6})Z$")


@dataclass
class PageTimes:
    """What a page states about its times besides each item's own start and end."""

    zone: str | None = None  # the one IANA zone the page names, if it names exactly one
    pairs: list[tuple[datetime, datetime]] = field(default_factory=list)  # (local wall clock, naive; UTC instant)
    titled: list[tuple[str, datetime]] = field(default_factory=list)  # (title, casefolded; UTC start) from links

    def states_anything(self) -> bool:
        return bool(self.zone or self.pairs or self.titled)


def page_times(text: str, cards: dict[str, dict] | None = None) -> PageTimes:
    """The zone statements in a page's text (HTML or JSON); `cards` are EventOn's details per event id
    (scrapers/eventon.py), whose `local_start`/`utc_start` give the pairs."""
    found = PageTimes()
    names = {m.group(1) for m in _ZONE_FIELD.finditer(text)} | {m.group(1) for m in _ZONE_ATTR.finditer(text)}
    for link in _LINK.findall(text):
        query = parse_qs(urlsplit(html.unescape(link).replace("\\/", "/")).query)
        names.update(query.get("ctz", []))
        dates = (query.get("dates") or [""])[0].split("/")
        start = _utc_stamp(dates[0])
        title = (query.get("text") or [""])[0].strip().casefold()
        if start is not None and title:
            found.titled.append((title, start))
    valid = {name for name in names if "/" in name and zone(name) is not None}
    found.zone = valid.pop() if len(valid) == 1 else None
    for card in (cards or {}).values():
        local, instant = card.get("local_start"), card.get("utc_start")
        if isinstance(local, datetime) and isinstance(instant, datetime) and len(found.pairs) < MAX_PAIRS:
            found.pairs.append((local, instant))
    return found


def _utc_stamp(value: str) -> datetime | None:
    match = _UTC_STAMP.match(value.strip())
    if not match:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def utc_value(value: str) -> datetime | None:
    """A `20190918T150000Z` stamp or a unix epoch (EventOn's `sunix`), as a UTC instant; None otherwise."""
    value = (value or "").strip()
    if value.isdigit() and 9 <= len(value) <= 11:
        return datetime.fromtimestamp(int(value), UTC)
    return _utc_stamp(value)


def apply_page_times(listings: list, found: PageTimes, default_zone: str | None = None) -> None:
    """Give each listing whose times were bare the zone or offsets `found` states (in place).

    An item with its own instant on the page (its card's `sunix`, a link with its title) is judged by that
    alone; the others by every instant on the page."""
    if not found.states_anything():
        return
    bare = [item for item in listings if item.assumed_timezone and not item.all_day]
    own = {id(item): _own_pairs(item, found) for item in bare}
    every = list(dict.fromkeys(pair for pairs in own.values() for pair in pairs))[:MAX_PAIRS]
    every += [pair for pair in found.pairs if pair not in every][: MAX_PAIRS - len(every)]
    for item in bare:
        pairs = own[id(item)] or every
        named = next((name for name in (found.zone, default_zone) if name and _agrees(ZoneInfo(name), pairs)), None)
        if named and (pairs or named == found.zone):
            relocalise(item, named)
            item.assumed_timezone = False
        elif pairs:
            _fix_offsets(item, [tz for tz in _all_zones() if _agrees(tz, pairs)])


def _own_pairs(item, found: PageTimes) -> list[tuple[datetime, datetime]]:
    """The (local, UTC) pairs that belong to this item: at its own start, or from a link with its title."""
    if not isinstance(item.start, datetime):
        return []
    local = item.start.replace(tzinfo=None)
    return [pair for pair in found.pairs if pair[0] == local] or _titled_pairs(item, found.titled)


def _titled_pairs(item, titled: list[tuple[str, datetime]]) -> list[tuple[datetime, datetime]]:
    """(local, UTC) of the item's start when a calendar link with its title gives its instant."""
    if not isinstance(item.start, datetime) or not titled:
        return []
    local = item.start.replace(tzinfo=None)
    title = (item.title or "").strip().casefold()
    found = []
    for name, instant in titled:
        offset = local - instant.replace(tzinfo=None)
        if name == title and abs(offset) <= MAX_OFFSET and offset % QUARTER_HOUR == timedelta(0):
            found.append((local, instant))
    return found if len({local - i.replace(tzinfo=None) for _, i in found}) == 1 else []


def _agrees(tz, pairs: list[tuple[datetime, datetime]]) -> bool:
    return all(local.replace(tzinfo=tz).utcoffset() == local - instant.replace(tzinfo=None) for local, instant in pairs)


@cache
def _all_zones() -> tuple[ZoneInfo, ...]:
    return tuple(ZoneInfo(name) for name in sorted(available_timezones()) if "/" in name or name == "UTC")


def _fix_offsets(item, candidates: list) -> None:
    """Each of the item's times at the offset every candidate zone gives it; untouched when they differ."""
    values = [item.start, item.end] + [v for o in item.occurrences for v in (o.start, o.end)]
    fixed = {}
    for value in values:
        if isinstance(value, datetime):
            local = value.replace(tzinfo=None)
            offsets = {local.replace(tzinfo=tz).utcoffset() for tz in candidates}
            if len(offsets) != 1:
                return
            fixed[local] = timezone(offsets.pop())
    if not fixed:
        return

    def moved(value):
        return value.replace(tzinfo=fixed[value.replace(tzinfo=None)]) if isinstance(value, datetime) else value

    item.start, item.end = moved(item.start), moved(item.end)
    for occurrence in item.occurrences:
        occurrence.start, occurrence.end = moved(occurrence.start), moved(occurrence.end)
    item.timezone = None
    item.assumed_timezone = False
