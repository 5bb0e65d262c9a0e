"""Repairs made to iCalendar text before `icalendar` reads it (pure string work).

Real feeds arrive with a BOM, no VCALENDAR wrapper, broken VTIMEZONE blocks, offset-style
TZIDs without a definition ('UTC+11') and misspelled RRULE parts. `repair` fixes what can be
fixed so that one bad line never loses a whole calendar.
"""

from __future__ import annotations

import re

from scrapers.text import zone

RRULE_PARTS = {
    "FREQ", "UNTIL", "COUNT", "INTERVAL", "BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY",
    "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS", "WKST",
}  # fmt: skip
FREQUENCIES = {"SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
_PART_VALUE = re.compile(r"^[A-Z0-9+\-,TZ]+$")
_OFFSET_TZID = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_TZID_PARAM = re.compile(r";TZID=(\"[^\"]*\"|[^;:]*)", re.IGNORECASE)


def decode(body: bytes) -> str:
    """Text of an iCalendar body: BOM dropped, UTF-8 else Windows-1252."""
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


def unfolded_lines(text: str) -> list[str]:
    """Content lines with folding (CRLF or LF followed by a space or tab) undone."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"\n[ \t]", "", text).split("\n")


def looks_like_ical(text: str) -> bool:
    head = text.lstrip()[:4096].upper()
    return "BEGIN:VCALENDAR" in head or "BEGIN:VEVENT" in head


def repair(text: str) -> str:
    """iCalendar text that `icalendar` reads: wrapped, VTIMEZONEs tidied, RRULEs cleaned."""
    lines = [line for line in unfolded_lines(text) if line.strip()]
    if not any(line.upper().startswith("BEGIN:VCALENDAR") for line in lines):
        lines = ["BEGIN:VCALENDAR", "VERSION:2.0", *lines, "END:VCALENDAR"]
    lines = _balance(lines)
    lines, defined = _drop_known_timezones(lines)
    lines = [clean_rule_line(line) for line in lines]
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


def clean_rule_line(line: str) -> str | None:
    """An RRULE/EXRULE line with unknown or malformed parts dropped; None when nothing usable is left."""
    name, sep, value = line.partition(":")
    if not sep or name.strip().upper() not in ("RRULE", "EXRULE"):
        return line
    kept = []
    for part in value.split(";"):
        key, eq, part_value = part.partition("=")
        key, part_value = key.strip().upper(), part_value.strip().upper()
        if eq and key in RRULE_PARTS and part_value and _PART_VALUE.match(part_value):
            kept.append(f"{key}={part_value}")
    freq = [p for p in kept if p.startswith("FREQ=")]
    if not freq or freq[0][5:] not in FREQUENCIES:
        return None
    return f"{name}:{';'.join(kept)}"


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
