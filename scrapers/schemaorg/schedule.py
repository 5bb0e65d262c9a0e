"""schema.org `Schedule` (an Event's `eventSchedule`) as one recurring series: RRULE, first meeting, exclusions, words.

Pure functions. A schedule that cannot be read exactly is refused with a reason naming the field
(a guessed weekday or a lost endDate would publish wrong meetings); the event then stays as it was.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from dateutil.rrule import rrulestr

from scrapers.base import Context
from scrapers.hsds.schedule import DAYS, days_text
from scrapers.schemaorg.fields import first, parse_date, text_of
from scrapers.schemaorg.nodes import short_type
from scrapers.times import iso_duration, zone

DAY_CODES = {name.casefold(): code for code, name in DAYS.items()}
FREQUENCY_WORDS = {
    "daily": ("DAILY", 1),
    "weekly": ("WEEKLY", 1),
    "fortnightly": ("WEEKLY", 2),
    "biweekly": ("WEEKLY", 2),
    "monthly": ("MONTHLY", 1),
    "yearly": ("YEARLY", 1),
}
PERIOD_UNITS = {"D": "DAILY", "W": "WEEKLY", "M": "MONTHLY", "Y": "YEARLY"}
MAX_REPEAT_COUNT = 10_000
EARLIEST_YEAR = 1900
_PERIOD = re.compile(r"^P([1-9]\d{0,2})([DWMY])$", re.I)
_ICAL_DAY = re.compile(r"^([+-]?[1-5])?(MO|TU|WE|TH|FR|SA|SU)$")
_CLOCK = re.compile(r"^(?:\d{4}-\d{2}-\d{2}T)?(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$")
_WHOLE = re.compile(r"^\s*[+-]?\d{1,6}\s*$")


@dataclass
class Series:
    """A schedule as a recurrence; `start`/`end` are its first meeting (dates, end exclusive, when all-day)."""

    rule: str  # RRULE value without "RRULE:"
    start: datetime | date
    end: datetime | date | None
    zone_name: str | None  # IANA name, None when only an offset is known
    all_day: bool
    exdates: list  # excluded meeting starts, of the same type as `start`
    text: str  # "every Tuesday"


def schedule_series(value, event_start, event_end, context: Context, label: str) -> Series | None:
    """The series of the first usable Schedule in `value` (one or a list); each other one noted in problems."""
    schedules = value if isinstance(value, list) else [value]
    chosen = None
    for index, schedule in enumerate(schedules):
        where = f"{label}: eventSchedule" + (f" {index}" if len(schedules) > 1 else "")
        if chosen is not None:
            context.problems.append(f"{where} ignored: only one schedule per listing")
            continue
        try:
            chosen = read_schedule(schedule, event_start, event_end, context)
        except (ValueError, OverflowError) as error:
            context.problems.append(f"{where} ignored: {error}")
    return chosen


def schedule_words(value) -> str:
    """A schedule given only in words ("Every Tuesday at 7pm"), for when no Schedule object is readable."""
    for schedule in value if isinstance(value, list) else [value]:
        words = text_of(schedule) if isinstance(schedule, str) else ""
        if any(character.isalpha() for character in words):
            return words[:200]
    return ""


def read_schedule(schedule, event_start, event_end, context: Context) -> Series:
    """One Schedule node as a series; the event's own start/end and the source's zone fill in what it omits.

    Raises ValueError naming the field that is unreadable or unsupported.
    """
    if not isinstance(schedule, dict):
        raise ValueError(f"{text_of(schedule) or type(schedule).__name__!r} is not a Schedule object")
    freq, interval, days, month_days, months = _pattern(schedule)
    count = _whole_numbers(schedule.get("repeatCount"), "repeatCount", 1, MAX_REPEAT_COUNT)
    tz, zone_name = _zone(schedule, context.timezone, event_start)
    moment = _moment(schedule.get("startDate"), "startDate", zone_name) or event_start
    timed = [
        m.astimezone(tz).time().replace(second=0, microsecond=0)
        for m in (moment, event_start)
        if isinstance(m, datetime)
    ]  # startTime, else the time of startDate or of the event's start
    clock = _clock(schedule.get("startTime"), "startTime") or next(iter(timed), None)
    if moment is None:
        if interval > 1 or count or not (freq == "DAILY" or days or month_days):
            raise ValueError("no startDate (in the schedule or the event) to count meetings from")
        moment = context.window_start.astimezone(tz)
    day = moment.astimezone(tz).date() if isinstance(moment, datetime) else moment
    if day.year < EARLIEST_YEAR:  # expanding from there would walk every meeting since
        raise ValueError(f"startDate {day} is before {EARLIEST_YEAR}")
    anchor = datetime.combine(day, clock or time(0))
    rule = _bounded(
        ";".join(_parts(freq, interval, days, month_days, months)),
        anchor,
        count,
        _moment(schedule.get("endDate"), "endDate", zone_name),
        all_day=clock is None,
    )
    meeting = next(iter(rrulestr(rule, dtstart=anchor)), None)
    if meeting is None:
        raise ValueError("no meeting from its startDate on (up to any endDate)")
    start = meeting.date() if clock is None else meeting.replace(tzinfo=tz)
    end = start + timedelta(days=1) if clock is None else _end(schedule, start, event_start, event_end)
    excluded = [_moment(raw, "exceptDate", zone_name) for raw in _listed_values(schedule.get("exceptDate"))]
    exdates = [_meeting_start(e, tz, clock) for e in excluded if e is not None]
    text = _words(freq, interval, days, month_days, months, meeting)
    return Series(rule, start, end, zone_name, clock is None, exdates, text)


def _pattern(schedule: dict) -> tuple[str, int, list[str], list[int], list[int]]:
    """(FREQ, INTERVAL, BYDAY codes, BYMONTHDAY, BYMONTH) of a schedule, checked to make sense together."""
    days = _days(schedule.get("byDay"))
    weeks = _whole_numbers(schedule.get("byMonthWeek"), "byMonthWeek", -5, 5)
    month_days = _whole_numbers(schedule.get("byMonthDay"), "byMonthDay", -31, 31)
    months = _whole_numbers(schedule.get("byMonth"), "byMonth", 1, 12)
    freq, interval = _frequency(text_of(schedule.get("repeatFrequency")))
    numbered = any(len(d) > 2 for d in days)
    if weeks and (freq != "MONTHLY" or not days or numbered):
        raise ValueError("byMonthWeek is only supported with a monthly repeatFrequency and byDay")
    if (numbered and freq in ("DAILY", "WEEKLY")) or (month_days and freq == "WEEKLY"):
        raise ValueError(f"byDay/byMonthDay that need a monthly repeatFrequency, not {freq.lower()}")
    if (days and month_days) or (numbered and not all(len(d) > 2 for d in days)):  # RRULE: "Friday the 13th"
        raise ValueError("byDay mixed with byMonthDay or with numbered days (only both at once) is not supported")
    if months and month_days and all(abs(d) > calendar.monthrange(2024, m)[1] for m in months for d in month_days):
        raise ValueError("byMonthDay never falls in byMonth")
    return freq, interval, [f"{w}{d}" for w in weeks for d in days] or days, month_days, months


def _frequency(raw: str) -> tuple[str, int]:
    """(FREQ, INTERVAL) from repeatFrequency: an ISO 8601 period ('P2W', 'P14D') or a word ('Weekly')."""
    period = _PERIOD.match(raw)
    if raw.casefold() in FREQUENCY_WORDS:
        return FREQUENCY_WORDS[raw.casefold()]
    if not period:
        raise ValueError(
            f"repeatFrequency {raw!r} is not a period such as 'P1W' or 'Weekly'" if raw else "no repeatFrequency"
        )
    number, unit = int(period.group(1)), period.group(2).upper()
    return ("WEEKLY", number // 7) if unit == "D" and number % 7 == 0 else (PERIOD_UNITS[unit], number)


def _parts(freq: str, interval: int, days: list[str], month_days: list[int], months: list[int]) -> list[str]:
    parts = [f"FREQ={freq}"] + ([f"INTERVAL={interval}"] if interval > 1 else [])
    for name, values in (("BYDAY", days), ("BYMONTHDAY", month_days), ("BYMONTH", months)):
        parts += [f"{name}={','.join(str(v) for v in values)}"] if values else []
    return parts


def _days(value) -> list[str]:
    """iCal day codes ('TU', '1MO') from DayOfWeek URLs, names, nodes or iCal text; ValueError naming a bad one."""
    codes = []
    for item in _listed_values(value):
        item = (item.get("@id") or item.get("name") or "") if isinstance(item, dict) else item
        for part in str(item).split(","):
            name = short_type(part.strip()).rsplit("/", 1)[-1]
            match = _ICAL_DAY.match(name.upper())
            if name.casefold() not in DAY_CODES and not match:
                raise ValueError(f"byDay {part.strip()!r} is not a day of the week")
            codes.append(DAY_CODES.get(name.casefold()) or (match.group(1) or "").lstrip("+") + match.group(2))
    return list(dict.fromkeys(codes))


def _whole_numbers(value, name: str, low: int, high: int) -> list[int]:
    """Integers (JSON numbers, digit strings, comma lists) from low to high, 0 excluded; ValueError naming a bad one."""
    numbers = []
    for item in _listed_values(value):
        for part in item.split(",") if isinstance(item, str) else [item]:
            whole = (isinstance(part, str) and _WHOLE.match(part)) or (type(part) is int)
            if not whole or not low <= int(part) <= high or int(part) == 0:
                raise ValueError(f"{name} {part!r} is not a whole number from {low} to {high} (0 excluded)")
            numbers.append(int(part))
    return list(dict.fromkeys(numbers))


def _listed_values(value) -> list:
    return [v for v in (value if isinstance(value, list) else [value]) if v not in (None, "")]


def _zone(schedule: dict, default: str | None, event_start) -> tuple[tzinfo, str | None]:
    """scheduleTimezone, else the source's zone, else the event's own offset, else UTC."""
    name = text_of(schedule.get("scheduleTimezone"))
    if name and zone(name) is None:
        raise ValueError(f"scheduleTimezone {name!r} is not a known IANA zone")
    for candidate in (name, default):
        if zone(candidate):
            return zone(candidate), candidate
    return (event_start.tzinfo if isinstance(event_start, datetime) else UTC), None


def _clock(value, name: str) -> time | None:
    """The wall-clock time of a schema.org Time ('19:00'; an offset is taken to be the zone's); None when absent."""
    raw = text_of(first(value))
    match = _CLOCK.match(raw)
    if raw and (not match or int(match.group(1)) > 23 or int(match.group(2)) > 59):
        raise ValueError(f"{name} {raw!r} is not a time of day")
    return time(int(match.group(1)), int(match.group(2))) if match else None


def _moment(value, name: str, zone_name: str | None) -> datetime | date | None:
    moment, _, problem = parse_date(value, zone_name)
    if problem:
        raise ValueError(f"{name} {problem.removeprefix('unreadable date ')} is unreadable")
    return moment


def _meeting_start(moment: datetime | date, tz: tzinfo, clock: time | None) -> datetime | date:
    """The start of the meeting an exceptDate names: a date alone means that day's meeting."""
    if clock is None:
        return moment.date() if isinstance(moment, datetime) else moment
    return moment.astimezone(tz) if isinstance(moment, datetime) else datetime.combine(moment, clock, tzinfo=tz)


def _bounded(rule: str, anchor: datetime, count: list[int], last, all_day: bool) -> str:
    """`rule` ending after repeatCount meetings or on endDate (inclusive), whichever comes first."""
    last_day = last.date() if isinstance(last, datetime) else last
    until = None if last_day is None else f"UNTIL={last_day:%Y%m%d}" + ("" if all_day else "T235959")
    if count and until:  # walk the meetings until one of the two ends them (a century at most)
        for number, meeting in enumerate(rrulestr(rule, dtstart=anchor), start=1):
            if meeting.date() > last_day or meeting.year > anchor.year + 100:
                break
            if number == count[0]:
                return f"{rule};COUNT={count[0]}"
        return f"{rule};{until}"
    return f"{rule};COUNT={count[0]}" if count else (f"{rule};{until}" if until else rule)


def _end(schedule: dict, start: datetime, event_start, event_end) -> datetime | None:
    """endTime (at or before startTime: the next day), else duration, else the event's own length under a day."""
    end_clock = _clock(schedule.get("endTime"), "endTime")
    if end_clock is not None:
        end = start.replace(hour=end_clock.hour, minute=end_clock.minute)
        return end if end > start else end + timedelta(days=1)
    raw = first(schedule.get("duration"))
    if raw not in (None, ""):
        length = iso_duration(raw)
        if length is None or start + length <= start:
            raise ValueError(f"duration {raw!r} is not a length of time such as 'PT2H'")
        return start + length
    length = event_end - event_start if isinstance(event_start, datetime) and isinstance(event_end, datetime) else None
    return start + length if length is not None and timedelta(0) < length < timedelta(days=1) else None


def _words(freq: str, interval: int, days: list[str], month_days: list[int], months: list[int], meeting) -> str:
    """'every Tuesday', 'every other Wednesday', 'monthly on the 1st', 'monthly on the first Monday'."""
    if freq == "WEEKLY":
        head = {1: "every ", 2: "every other "}.get(interval, f"every {interval} weeks on ")
        words = head + _joined([DAYS[d] for d in days] or [f"{meeting:%A}"])
    else:
        unit, single = {"DAILY": ("day", "every day"), "MONTHLY": ("month", "monthly"), "YEARLY": ("year", "yearly")}[
            freq
        ]
        words = {1: single, 2: f"every other {unit}"}.get(interval, f"every {interval} {unit}s")
        if days:
            words += (" on the " if any(len(d) > 2 for d in days) else " on ") + days_text(",".join(days))
        elif month_days or freq == "MONTHLY":
            words += " on the " + _joined([_day_of_month(n) for n in month_days or [meeting.day]])
    return words + (" in " + _joined([calendar.month_name[m] for m in months]) if months else "")


def _day_of_month(number: int) -> str:
    """'1st', '22nd', 'last day', '2nd to last day'."""
    n = abs(number)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return "last day" if number == -1 else f"{n}{suffix}" + (" to last day" if number < 0 else "")


def _joined(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
