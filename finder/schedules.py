"""A listing's recurrence as a schedule people read: "Meets every Tuesday" (pure, stdlib only).

The one reader of RRULE text in finder: `rule_parts` splits a rule once; `schedule_of` reads it (or the
source's own words) as a `Schedule`; `rule_period_days` (ranking's recurrence kinds) and `rule_weekdays`
(the search index's weekday bits) read what they need through `rule_parts`. `schedule_words` puts a schedule
in English for finder.reasons and the API; the site puts the same `Schedule` in the visitor's language
(`finder.web.views.display_words.schedule_in_words`).
"""

from __future__ import annotations

from dataclasses import dataclass

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # Monday first, as Python and babel count
_DAY_NAMES = dict(
    zip(DAY_CODES, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"), strict=True)
)
_ORDINALS = {"1": "first", "2": "second", "3": "third", "4": "fourth", "-1": "last"}
_PERIOD_DAYS = {"SECONDLY": 0, "MINUTELY": 0, "HOURLY": 0, "DAILY": 1, "WEEKLY": 7, "MONTHLY": 30, "YEARLY": 365}
_FREQUENCY_WORDS = {
    "DAILY": ("daily", "days"),
    "WEEKLY": ("weekly", "weeks"),
    "MONTHLY": ("monthly", "months"),
    "YEARLY": ("yearly", "years"),
}


@dataclass(frozen=True)
class Schedule:
    """What a listing's recurrence says, ready to be put in words in any language."""

    days: tuple[str, ...] = ()  # weekday codes ("TU") of a weekly rule on set days, or the one day of `ordinal`
    every_other: bool = False  # a weekly rule on set days, every second week
    ordinal: str = ""  # "1".."4" or "-1": a monthly rule on the nth (or last) weekday
    frequency: str = ""  # DAILY/WEEKLY/MONTHLY/YEARLY, for rules without set days
    interval: int = 1
    text: str = ""  # the source's own words ("every 2nd Thursday"), when it gave only words


def rule_parts(rrule: str | None) -> dict[str, str]:
    """An RRULE's parts by name, upper-cased ("FREQ=weekly;BYDAY=TU" -> {"FREQ": "WEEKLY", "BYDAY": "TU"})."""
    if not rrule:
        return {}
    return dict(p.split("=", 1) for p in rrule.upper().removeprefix("RRULE:").split(";") if "=" in p)


def rule_period_days(rrule: str | None) -> int | None:
    """Days between meetings (FREQ times INTERVAL; 0 for more often than daily, 365 for an unknown FREQ), or
    None when the rule names no FREQ."""
    parts = rule_parts(rrule)
    if "FREQ" not in parts:
        return None
    interval = parts.get("INTERVAL", "")
    return _PERIOD_DAYS.get(parts["FREQ"], 365) * max(int(interval) if interval.isdigit() else 1, 1)


def rule_weekdays(rrule: str | None) -> tuple[str, ...]:
    """The weekday codes ("MO".."SU") of an RRULE's BYDAY, any ordinal dropped ("1SA" -> "SA")."""
    tokens = (token.strip()[-2:] for token in rule_parts(rrule).get("BYDAY", "").split(","))
    return tuple(code for code in tokens if code in DAY_CODES)


def schedule_of(rrule: str | None, recurrence_text: str) -> Schedule | None:
    """The schedule of a listing, or None for a one-off (or a rule too unusual to put in words)."""
    if recurrence_text:
        words = recurrence_text.strip().rstrip(".")
        if not words:
            return None
        first = words.split()[0].rstrip(",s")
        keep_case = first in _DAY_NAMES.values() or first.isupper()  # "Tuesdays ...", "UTC ..."
        return Schedule(text=words if keep_case else words[0].lower() + words[1:])
    parts = rule_parts(rrule)
    if not parts:
        return None
    freq, interval = parts.get("FREQ", ""), parts.get("INTERVAL", "1")
    days = [d.strip() for d in parts.get("BYDAY", "").split(",") if d.strip()]
    if freq == "WEEKLY" and days and all(d in _DAY_NAMES for d in days) and interval in ("1", "2"):
        return Schedule(days=tuple(days), every_other=interval == "2")
    if freq == "MONTHLY" and len(days) == 1 and days[0][-2:] in _DAY_NAMES and days[0][:-2] in _ORDINALS:
        return Schedule(days=(days[0][-2:],), ordinal=days[0][:-2])
    if freq in ("DAILY", "WEEKLY", "MONTHLY", "YEARLY") and interval.isdigit() and int(interval) >= 1:
        return Schedule(frequency=freq, interval=int(interval))
    return None


def schedule_phrase(rrule: str | None, recurrence_text: str) -> str | None:
    """ "Meets every Tuesday", "Meets on the first Monday of the month", "Meets weekly", or None for a one-off."""
    schedule = schedule_of(rrule, recurrence_text)
    return None if schedule is None else schedule_words(schedule)


def schedule_words(schedule: Schedule) -> str:
    """The schedule in English: "Meets every Tuesday" (finder.reasons and the API)."""
    if schedule.text:
        return "Meets " + schedule.text
    if schedule.ordinal:
        return f"Meets on the {_ORDINALS[schedule.ordinal]} {_DAY_NAMES[schedule.days[0]]} of the month"
    if schedule.days:
        return f"Meets {'every other' if schedule.every_other else 'every'} " + _join(
            [_DAY_NAMES[d] for d in schedule.days]
        )
    single, plural = _FREQUENCY_WORDS[schedule.frequency]
    return "Meets " + (single if schedule.interval == 1 else f"every {schedule.interval} {plural}")


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
