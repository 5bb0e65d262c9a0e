"""HSDS schedules (iCal-like freq/byday/opens_at/closes_at rows) as rules and as words.

A schedule with a `dtstart` is dated: it becomes an RRULE expanded into occurrences. Without one
it only becomes words, like "Mondays and Tuesdays 09:00–17:00".
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta, timezone, tzinfo

from scrapers.recurrence import Expansion, expand
from scrapers.text import clean_text
from scrapers.times import parse_when, zone

DAYS = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
ORDINALS = {"1": "first", "2": "second", "3": "third", "4": "fourth", "5": "fifth", "-1": "last"}
FREQS = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
_DAY = re.compile(r"^([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)$")


def _clock(value) -> time | None:
    match = re.match(r"^\s*(\d{1,2}):(\d{2})", str(value or ""))
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        return None
    return time(int(match.group(1)), int(match.group(2)))


def _joined(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def days_text(byday: str) -> str:
    """'MO,TU' → 'Mondays and Tuesdays'; '1SA' → 'first Saturday'; '' when unreadable."""
    words = []
    for part in str(byday or "").upper().replace(" ", "").split(","):
        match = _DAY.match(part)
        if not match:
            continue
        ordinal, day = match.groups()
        words.append(f"{ORDINALS.get(ordinal.lstrip('+'), ordinal)} {DAYS[day]}" if ordinal else f"{DAYS[day]}s")
    return _joined(words) if words else ""


def schedule_text(schedule: dict) -> str:
    """Opening hours in words ('Thursdays and Fridays 10:00–18:00'), else the schedule's description."""
    opens, closes = _clock(schedule.get("opens_at")), _clock(schedule.get("closes_at"))
    freq = str(schedule.get("freq") or "").upper()
    when = days_text(schedule.get("byday")) or {"DAILY": "Daily"}.get(freq, "")
    if freq == "MONTHLY" and schedule.get("bymonthday") and not schedule.get("byday"):
        when = f"Monthly on day {schedule['bymonthday']}"
    hours = f"{opens:%H:%M}–{closes:%H:%M}" if opens and closes else (f"from {opens:%H:%M}" if opens else "")
    words = " ".join(part for part in (when, hours) if part)
    return words or clean_text(schedule.get("description"))


def schedule_zone(schedule: dict, default: str | None) -> tuple[tzinfo, str | None]:
    """(zone, IANA name or None): the source's default zone, else the schedule's UTC offset, else UTC."""
    value = schedule.get("timezone")
    for name in (default, value if isinstance(value, str) else None):
        if zone(name):
            return zone(name), name
    try:
        return timezone(timedelta(hours=float(value))), None
    except (TypeError, ValueError):
        return UTC, None


def schedule_rule(schedule: dict) -> str | None:
    """The RRULE value of a schedule, or None when it has no known frequency."""
    freq = str(schedule.get("freq") or "").upper()
    if freq not in FREQS:
        return None
    parts = [f"FREQ={freq}"]
    if str(schedule.get("interval") or "").isdigit() and int(schedule["interval"]) > 1:
        parts.append(f"INTERVAL={int(schedule['interval'])}")
    allowed = {"byday", "wkst"} | ({"bymonthday"} if freq in ("MONTHLY", "YEARLY") else set())
    allowed |= {"byweekno", "byyearday"} if freq == "YEARLY" else set()  # elsewhere they only contradict
    for key in ("byday", "bymonthday", "byweekno", "byyearday", "wkst"):
        if key in allowed and schedule.get(key) not in (None, ""):
            parts.append(f"{key.upper()}={str(schedule[key]).replace(' ', '').upper()}")
    until = parse_when(schedule.get("until") or schedule.get("valid_to"))
    if until is not None:
        parts.append(f"UNTIL={until:%Y%m%d}T235959")  # the whole last day (dates are inclusive)
    elif str(schedule.get("count") or "").isdigit():
        parts.append(f"COUNT={int(schedule['count'])}")
    return ";".join(parts)


def dated_series(
    schedule: dict, default_tz: str | None, window_start: datetime, window_end: datetime
) -> tuple[datetime, datetime | None, Expansion, str | None] | None:
    """(start, end, the rule's expansion over the window, IANA zone) for a dated schedule, else None.

    Raises ValueError for a rule dateutil cannot read.
    """
    rule = schedule_rule(schedule)
    first_day = parse_when(schedule.get("dtstart") or schedule.get("valid_from"))
    if rule is None or first_day is None:
        return None
    tz, tz_name = schedule_zone(schedule, default_tz)
    opens, closes = _clock(schedule.get("opens_at")) or time(0, 0), _clock(schedule.get("closes_at"))
    start = datetime.combine(first_day.date(), opens, tzinfo=tz)
    end = datetime.combine(first_day.date(), closes, tzinfo=tz) if closes and closes > opens else None
    until = parse_when(schedule.get("until") or schedule.get("valid_to"), tz_name)
    ended = until is not None and until + timedelta(days=1) < window_start
    expansion = Expansion(rule=rule) if ended else expand(start, end, rule, window_start, window_end)
    return start, end, expansion, tz_name
