"""iCalendar times as a Listing holds them: aware datetimes in the event's zone, or dates for all-day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from scrapers.bare_times import note_bare
from scrapers.spans import settle_span
from scrapers.text import clean_text
from scrapers.times import zone

UTC_NAMES = {"UTC", "Etc/UTC", "Etc/GMT", "GMT", "Etc/Zulu", "Zulu", "Etc/Universal", "Universal"}


@dataclass
class Moments:
    """Turns iCalendar times into what a Listing holds, given the calendar's default zone."""

    default_tz: str | None = None

    @classmethod
    def for_calendar(cls, calendar, context) -> Moments:
        declared = clean_text(calendar.get("X-WR-TIMEZONE", ""))
        if zone(declared) and declared not in UTC_NAMES:
            return cls(declared)
        return cls(context.timezone if zone(context.timezone) else None)

    def moment(self, value):
        """Aware datetime (floating times read in the default zone, UTC moved into it) or a date."""
        if not isinstance(value, datetime):
            return value if isinstance(value, date) else None
        default = zone(self.default_tz)
        if value.tzinfo is None:  # floating: the calendar's X-WR-TIMEZONE, else the source's, else UTC
            note_bare(self.default_tz if default else None)
            return value.replace(tzinfo=default or UTC)
        if default is not None and _is_utc(value):
            return value.astimezone(default)
        return value

    def span(self, component) -> tuple:
        """(start, end) of a VEVENT or an expanded instance; all-day ends are exclusive dates.

        A broken DTEND/DURATION counts as missing; a broken DTSTART raises ValueError."""
        raw = value_of(component, "DTSTART")
        period_end = None
        if isinstance(raw, tuple):  # DTSTART;VALUE=PERIOD: (start, end or duration)
            raw, period_end = raw[0], raw[1]
        start = self.moment(raw)
        if start is None:
            raise ValueError(f"unreadable DTSTART {component.get('DTSTART')!r:.60}")
        end = self.moment(value_of(component, "DTEND"))
        duration = period_end if isinstance(period_end, timedelta) else value_of(component, "DURATION")
        if isinstance(period_end, datetime):
            end = self.moment(period_end)
        elif end is None and isinstance(duration, timedelta):
            end = start + duration
        return settle_span(start, end)  # reversed ends swapped; a date start makes it all-day (scrapers/spans.py)

    def zone_name(self, start) -> str | None:
        """IANA name of the event's zone; None when only an offset (or bare UTC) is known."""
        if not isinstance(start, datetime):
            return self.default_tz
        key = getattr(start.tzinfo, "key", None)
        return key if key and key not in UTC_NAMES else None


def value_of(component, name: str):
    """The `.dt` of a date/time property; None when absent or broken (icalendar 7 keeps broken values)."""
    prop = component.get(name)
    if isinstance(prop, list):
        prop = prop[0] if prop else None
    try:
        return None if prop is None else prop.dt
    except (ValueError, AttributeError, TypeError):
        return None


def drop_broken_ends(event) -> None:
    """Remove a DTEND/DURATION that cannot be read, so expansion treats the end as missing."""
    for name in ("DTEND", "DURATION"):
        if event.get(name) is not None and value_of(event, name) is None:
            del event[name]


def _is_utc(value: datetime) -> bool:
    return value.utcoffset() == timedelta(0) and (
        value.tzinfo is UTC or getattr(value.tzinfo, "key", None) in UTC_NAMES
    )


def _is_date(value) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)
