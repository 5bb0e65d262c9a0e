"""Repairs made to iCalendar text before `icalendar` reads it (pure string work).

Real feeds arrive with a BOM, no VCALENDAR wrapper, broken VTIMEZONE blocks, offset-style
TZIDs without a definition ('UTC+11') and misspelled RRULE parts. `repair` fixes what can be
fixed so that one bad line never loses a whole calendar.
"""

from __future__ import annotations

import re

from scrapers.times import zone

RRULE_PARTS = {
    "FREQ", "UNTIL", "COUNT", "INTERVAL", "BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY",
    "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS", "WKST",
}  # fmt: skip
FREQUENCIES = {"SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
_PART_VALUE = re.compile(r"^[A-Z0-9+\-,TZ]+$")
_OFFSET_TZID = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_TZID_PARAM = re.compile(r";TZID=(\"[^\"]*\"|[^;:]*)", re.IGNORECASE)


def unfolded_lines(text: str) -> list[str]:
    """Content lines with folding (CRLF or LF followed by a space or tab) undone."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"\n[ \t]", "", text).split("\n")


def looks_like_ical(text: str) -> bool:
    head = text.lstrip()[:4096].upper()
    return "BEGIN:VCALENDAR" in head or "BEGIN:VEVENT" in head


def repair(text: str, problems: list[str] | None = None) -> str:
    """iCalendar text that `icalendar` reads: wrapped, VTIMEZONEs tidied, RRULEs cleaned (what a cleaning
    changed that matters, such as a misspelled UNTIL, is appended to `problems`)."""
    lines = [line for line in unfolded_lines(text) if line.strip()]
    if not any(line.upper().startswith("BEGIN:VCALENDAR") for line in lines):
        lines = ["BEGIN:VCALENDAR", "VERSION:2.0", *lines, "END:VCALENDAR"]
    lines = _balance(lines)
    lines, defined = _drop_known_timezones(lines)
    newest = _newest_date(lines)
    lines = [clean_rule_line(line, problems, newest) for line in lines]
    lines = [line for line in lines if line is not None]
    missing = _offset_tzids(lines) - defined
    if missing:
        end = max(i for i, line in enumerate(lines) if line.upper().startswith("END:VCALENDAR"))
        for tzid in sorted(missing):
            lines[end:end] = _offset_vtimezone(tzid)
    return "\r\n".join(lines) + "\r\n"


def _balance(lines: list[str]) -> list[str]:
    """BEGIN/END pairs made to match: stray ENDs dropped, missing ENDs added (a VEVENT never nests)."""
    out, stack = [], []
    for line in lines:
        key, _, name = line.partition(":")
        key, name = key.strip().upper(), name.strip().upper()
        if key == "BEGIN":
            if name == "VEVENT" and "VEVENT" in stack:
                while stack and stack[-1] != "VCALENDAR":
                    out.append(f"END:{stack.pop()}")
            stack.append(name)
        elif key == "END":
            if name not in stack:
                continue
            while stack[-1] != name:
                out.append(f"END:{stack.pop()}")
            stack.pop()
        out.append(line)
    out.extend(f"END:{name}" for name in reversed(stack))
    return out


def offset_of(tzid: str) -> tuple[int, int] | None:
    """(sign, minutes) of an offset-style TZID such as 'UTC+11' or 'GMT-05:30'; None otherwise."""
    match = _OFFSET_TZID.match((tzid or "").strip().strip('"'))
    if not match:
        return None
    sign = -1 if match.group(1) == "-" else 1
    minutes = int(match.group(2)) * 60 + int(match.group(3) or 0)
    return (sign, minutes) if minutes <= 14 * 60 else None


def _drop_known_timezones(lines: list[str]) -> tuple[list[str], set[str]]:
    """Remove VTIMEZONE blocks whose TZIDs are all IANA names (the tz database knows them better,
    and malformed or duplicated blocks of them break parsing); return the custom TZIDs kept."""
    out, block, custom = [], None, set()
    for line in lines:
        upper = line.upper()
        if upper.startswith("BEGIN:VTIMEZONE"):
            block = [line]
            continue
        if block is None:
            out.append(line)
            continue
        block.append(line)
        if upper.startswith("END:VTIMEZONE"):
            tzids = [b.split(":", 1)[1].strip() for b in block if b.upper().startswith("TZID:")]
            if tzids and not all(zone(t) for t in tzids) and len(tzids) == 1:
                out.extend(block)
                custom.update(tzids)
            block = None
    return out, custom


def clean_rule_line(line: str, problems: list[str] | None = None, newest: str = "") -> str | None:
    """An RRULE/EXRULE line with spaces inside values removed ("BYDAY=MO, TU" is Exchange's) and unknown or
    malformed parts dropped; None when nothing usable is left.

    A part that bounds the series must not be lost silently, or a series that ended becomes endless: a
    misspelled UNTIL or COUNT ("UNTL=20191023") is read as what its value shows (a date: UNTIL; a number:
    COUNT); one whose value is unreadable ends the series at `newest`, the newest date the file states (what
    is certain). Either is reported in `problems`."""
    name, sep, value = line.partition(":")
    if not sep or name.strip().upper() not in ("RRULE", "EXRULE"):
        return line
    kept, bound_lost, recovered = {}, [], ""
    for part in value.split(";"):
        key, eq, part_value = part.partition("=")
        key, part_value = key.strip().upper(), re.sub(r"\s+", "", part_value).upper()
        if key == "UNTIL" or (key not in RRULE_PARTS and _looks_like_bound(key)):
            part_value = part_value.replace("-", "").replace(":", "")  # "2019-10-23T14:00:00Z"
        if not (eq or key):
            continue
        if key not in RRULE_PARTS and _looks_like_bound(key):
            key = _bound_from_value(part_value) or ""
            bound_lost.append(part.strip())
            if key:
                recovered = key
                bound_lost.pop()
        elif key in ("UNTIL", "COUNT") and not _bound_value_ok(key, part_value):
            bound_lost.append(part.strip())
            continue
        if eq and key in RRULE_PARTS and part_value and _PART_VALUE.match(part_value) and key not in kept:
            kept[key] = part_value
    freq = kept.get("FREQ")
    if not freq or freq not in FREQUENCIES:
        return None
    if recovered and "UNTIL" in kept and "COUNT" in kept:  # the rule has its real bound: the misspelling goes
        del kept[recovered]
    elif recovered:
        _note(problems, f"RRULE part {_misspelled_part(value, recovered)!r} read as {recovered}={kept[recovered]}")
    if bound_lost and "UNTIL" not in kept and "COUNT" not in kept:
        if newest:
            kept["UNTIL"] = newest
            _note(
                problems,
                f"RRULE bound {bound_lost[0]!r} unreadable: series kept until {newest}, the file's newest date",
            )
        else:
            _note(problems, f"RRULE bound {bound_lost[0]!r} unreadable and no date to bound it: series dropped")
            return None
    return f"{name}:{';'.join(f'{k}={v}' for k, v in kept.items())}"


_BOUND_SHAPES = {"UNTIL": re.compile(r"^\d{8}(T\d{6}Z?)?$"), "COUNT": re.compile(r"^\d+$")}
_DATE_IN_LINE = re.compile(r"[:;,=](\d{8})(?:T\d{6}Z?)?(?=[,;\s]|$)")
_DATED_PROPERTIES = ("DTSTART", "DTEND", "RDATE", "EXDATE", "RECURRENCE-ID", "DUE", "LAST-MODIFIED", "DTSTAMP")


def _misspelled_part(value: str, recovered: str) -> str:
    """The misspelled part of rule `value` that was read as `recovered` (for the problem line)."""
    for part in value.split(";"):
        key = part.partition("=")[0].strip().upper()
        if key not in RRULE_PARTS and _looks_like_bound(key):
            return part.strip()
    return recovered


def _looks_like_bound(key: str) -> bool:
    """A misspelling of UNTIL or COUNT ("UNTL", "UNITL", "UNTILL", "CONT", "COUNTS")."""
    from difflib import SequenceMatcher

    return bool(key) and any(SequenceMatcher(None, key, bound).ratio() >= 0.7 for bound in ("UNTIL", "COUNT"))


def _bound_from_value(value: str) -> str | None:
    return next((key for key, shape in _BOUND_SHAPES.items() if shape.match(value)), None)


def _bound_value_ok(key: str, value: str) -> bool:
    return bool(_BOUND_SHAPES[key].match(value))


def _newest_date(lines: list[str]) -> str:
    """The newest date (YYYYMMDD) in the file's date properties, as an UNTIL value ('' when none)."""
    found = []
    for line in lines:
        head = line.split(":", 1)[0].split(";", 1)[0].strip().upper()
        if head in _DATED_PROPERTIES:
            found += _DATE_IN_LINE.findall(line[len(head) :])
    return max(found, default="")


def _note(problems: list[str] | None, text: str) -> None:
    if problems is not None:
        problems.append(text)


def _offset_tzids(lines: list[str]) -> set[str]:
    found = set()
    for line in lines:
        head = line.split(":", 1)[0]
        for match in _TZID_PARAM.finditer(head):
            tzid = match.group(1).strip('"')
            if not zone(tzid) and offset_of(tzid):
                found.add(tzid)
    return found


def _offset_vtimezone(tzid: str) -> list[str]:
    sign, minutes = offset_of(tzid)
    offset = f"{'+' if sign > 0 else '-'}{minutes // 60:02d}{minutes % 60:02d}"
    return [
        "BEGIN:VTIMEZONE", f"TZID:{tzid}", "BEGIN:STANDARD", "DTSTART:19700101T000000",
        f"TZOFFSETFROM:{offset}", f"TZOFFSETTO:{offset}", f"TZNAME:{tzid}", "END:STANDARD", "END:VTIMEZONE",
    ]  # fmt: skip
