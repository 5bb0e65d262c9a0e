"""Expanding a recurrence rule into occurrences inside a window, with bounded work (every reader's one path).

A rule from a feed is untrusted: `FREQ=SECONDLY` is 7.8 million meetings in 90 days, and a rule from
1990 walks every meeting since. So a rule is first made a listing's rule (`listing_rule`: sub-daily
frequencies and more than `MAX_TIMES_PER_DAY` times a day read as daily, said in a problem line), then
walked lazily (`walk`): at most `MAX_STEPS` meetings are looked at, at most `MAX_OCCURRENCES` kept, and
the walk stops at the window's end. dateutil's `between()` and `list()` are never used: both build every
meeting first.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from dateutil.rrule import rrulestr

from scrapers.listing import Occurrence

MAX_OCCURRENCES = 1000  # kept inside one window
MAX_STEPS = 200_000  # meetings looked at per rule, those before the window included (~0.5 s of dateutil)
MAX_TIMES_PER_DAY = 24  # BYHOUR x BYMINUTE x BYSECOND above this is a clock, not a meeting
SUB_DAILY = {"SECONDLY": "second", "MINUTELY": "minute", "HOURLY": "hour"}
_TIME_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND")


class RecurrenceTooLong(ValueError):
    """The walk looked at `MAX_STEPS` meetings without getting through the window."""


@dataclass
class Expansion:
    """Occurrences of a rule in a window, the rule as it was expanded, and what was changed or cut short."""

    occurrences: list[Occurrence] = field(default_factory=list)
    rule: str = ""
    problems: list[str] = field(default_factory=list)


def listing_rule(rule: str) -> tuple[str, list[str]]:
    """`rule` (an RRULE value, "RRULE:" prefix allowed) as a community listing's rule, and why it changed.

    A listing never meets every second, minute or hour: such a rule is read as daily (INTERVAL and the
    time parts dropped), as is a daily-or-slower rule whose BYHOUR/BYMINUTE/BYSECOND give more than
    `MAX_TIMES_PER_DAY` times a day. Other rules come back unchanged (the same text)."""
    text = rule.strip().removeprefix("RRULE:").removeprefix("rrule:")
    parts = [p for p in text.split(";") if p]
    names = [p.split("=", 1)[0].strip().upper() for p in parts]
    freq = next(
        (p.split("=", 1)[1].strip().upper() for p, n in zip(parts, names, strict=True) if n == "FREQ" and "=" in p), ""
    )
    if freq in SUB_DAILY:
        kept = [p for p, n in zip(parts, names, strict=True) if n not in ("FREQ", "INTERVAL", *_TIME_PARTS)]
        why = f"recurrence FREQ={freq} read as daily: a community listing never meets every {SUB_DAILY[freq]}"
        return ";".join(["FREQ=DAILY", *kept]), [why]
    times = 1
    for p, n in zip(parts, names, strict=True):
        if n in _TIME_PARTS and "=" in p:
            times *= max(1, len([v for v in p.split("=", 1)[1].split(",") if v.strip()]))
    if times > MAX_TIMES_PER_DAY:
        kept = [p for p, n in zip(parts, names, strict=True) if n not in _TIME_PARTS]
        return ";".join(kept), [f"recurrence meets {times:,} times a day: read as once a day"]
    return text, []


def walk(
    moments: Iterable[datetime], lower: datetime, upper: datetime, max_steps: int = MAX_STEPS
) -> Iterator[datetime]:
    """The moments from `lower` to `upper` (both inclusive) of an ordered, lazy series of moments.

    Stops at the first moment past `upper`; raises RecurrenceTooLong after `max_steps` moments looked at."""
    for step, moment in enumerate(moments, start=1):
        if moment > upper:
            return
        if moment >= lower:
            yield moment
        if step >= max_steps:
            raise RecurrenceTooLong(
                f"recurrence stopped after {max_steps:,} meetings, at {moment:%Y-%m-%d}, "
                f"before the end of the window {upper:%Y-%m-%d}"
            )


def expand(
    start: datetime,
    end: datetime | None,
    rule: str,
    window_start: datetime,
    window_end: datetime,
    exdates: list[datetime] | None = None,
) -> Expansion:
    """Occurrences of `rule` (an RRULE value) from `start` overlapping the window, with bounded work.

    `start` must be aware; occurrences keep its zone, so wall-clock times survive DST changes.
    Raises ValueError for a rule dateutil cannot read."""
    rule, problems = listing_rule(rule)
    duration = (end - start) if end else None
    naive_start = start.replace(tzinfo=None)
    tz = start.tzinfo
    rules = rrulestr(rule, dtstart=naive_start, forceset=True, ignoretz=True, cache=False)
    excluded = {e.astimezone(tz).replace(tzinfo=None) for e in exdates or []}
    lower = window_start.astimezone(tz).replace(tzinfo=None) - (duration or timedelta(0))
    upper = window_end.astimezone(tz).replace(tzinfo=None)
    found = []
    try:
        for moment in walk(rules, lower, upper):
            if moment in excluded:
                continue
            if len(found) >= MAX_OCCURRENCES:
                problems.append(capped())
                break
            local = moment.replace(tzinfo=tz)
            found.append(Occurrence(start=local, end=local + duration if duration else None))
    except RecurrenceTooLong as error:
        problems.append(str(error))
    return Expansion(found, rule, problems)


def expand_rule(
    start: datetime,
    end: datetime | None,
    rule: str,
    window_start: datetime,
    window_end: datetime,
    exdates: list[datetime] | None = None,
) -> list[Occurrence]:
    """`expand(...).occurrences`, for callers with nowhere to report problems (the roll-forward of stored rules)."""
    return expand(start, end, rule, window_start, window_end, exdates).occurrences


def capped() -> str:
    return f"recurrence cut at {MAX_OCCURRENCES:,} occurrences in the window"


def in_window(start: datetime | date, window_start: datetime, window_end: datetime, end=None) -> bool:
    """Whether a one-off starting at `start` (ending at `end`) overlaps the window."""
    if isinstance(start, datetime):
        last = end if isinstance(end, datetime) else start
        return last >= window_start and start <= window_end
    last = end if isinstance(end, date) and not isinstance(end, datetime) else start + timedelta(days=1)
    return last > window_start.date() and start <= window_end.date()
