"""Google Calendar `recurrence` lines (RRULE, EXDATE, RDATE as in RFC 5545) expanded over a window."""

from __future__ import annotations

from datetime import UTC, date, datetime

from scrapers.ics.clean import clean_rule_line
from scrapers.recurrence import MAX_OCCURRENCES, Expansion, expand
from scrapers.times import offset_zone, zone


def expand_lines(
    start, end, lines: list[str], window_start: datetime, window_end: datetime
) -> tuple[list[tuple], Expansion]:
    """(start, end) pairs of the series inside the window (dates stay dates for all-day series), and the
    expansion of its RRULE (the rule as a listing's rule, and problems) with no occurrences of its own."""
    all_day = not isinstance(start, datetime)
    first = datetime(start.year, start.month, start.day, tzinfo=UTC) if all_day else start
    last = None if end is None else (datetime(end.year, end.month, end.day, tzinfo=UTC) if all_day else end)
    if all_day:
        window_start = datetime.combine(window_start.date(), datetime.min.time(), UTC)
        window_end = datetime.combine(window_end.date(), datetime.min.time(), UTC)
    rules = [cleaned for line in lines if (cleaned := _rule(line))]
    exdates = [m for line in lines if line.upper().startswith("EXDATE") for m in _moments(line, first)]
    moments, bounded = [], Expansion()
    for rule in rules[:1]:
        expansion = expand(first, last, rule, window_start, window_end, exdates)
        moments += [o.start for o in expansion.occurrences]
        bounded = Expansion(rule=expansion.rule, problems=expansion.problems)
    if not rules:
        moments.append(first)
    duration = (last - first) if last is not None else None
    for line in lines:
        if line.upper().startswith("RDATE"):
            moments += [m for m in _moments(line, first) if m not in exdates]
    out, seen = [], set()
    for moment in sorted(moments):
        stop = moment + duration if duration is not None else None
        if moment in seen or (stop or moment) < window_start or moment > window_end:
            continue
        seen.add(moment)
        out.append((moment.date(), stop.date()) if all_day else (moment, stop))
    return out[:MAX_OCCURRENCES], bounded


def _rule(line: str) -> str | None:
    cleaned = clean_rule_line(line) if line.upper().startswith("RRULE") else None
    return cleaned.split(":", 1)[1] if cleaned else None


def _moments(line: str, first: datetime) -> list[datetime]:
    """The date-times of an EXDATE/RDATE line, aware (TZID param, Z, or the series' own zone)."""
    head, _, values = line.partition(":")
    params = dict(p.split("=", 1) for p in head.split(";")[1:] if "=" in p)
    tz = zone(params.get("TZID")) or offset_zone(params.get("TZID")) or first.tzinfo
    out = []
    for raw in values.split(","):
        raw = raw.strip().split("/", 1)[0]
        try:
            if len(raw) == 8:
                day = date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))
                out.append(datetime.combine(day, first.timetz()).replace(tzinfo=first.tzinfo))
            elif raw.endswith("Z"):
                out.append(datetime.strptime(raw, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).astimezone(first.tzinfo))
            elif raw:
                out.append(datetime.strptime(raw, "%Y%m%dT%H%M%S").replace(tzinfo=tz).astimezone(first.tzinfo))
        except ValueError:
            continue
    return out
