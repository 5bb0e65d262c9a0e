"""Dates and times on a page: days and times in a zone and the visitor's locale, "3 days ago", how long, until when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton, format_time
from flask import has_app_context
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _


def local_when(value: datetime | None, tz: ZoneInfo | None = None, all_day: bool = False) -> str:
    """'Tue 3 Dec, 7:00 pm' in `tz` (year added when it is not this year); '' for None."""
    if value is None:
        return ""
    local = value.astimezone(tz or UTC)
    text = local_day(value, tz)
    if all_day:
        return text
    locale = _regional_locale()
    if locale is not None:
        return f"{text}, {format_time(local, 'short', locale=locale)}"
    hour = local.strftime("%I").lstrip("0")
    return f"{text}, {hour}:{local:%M} {'am' if local.hour < 12 else 'pm'}"


def local_day(value: datetime | None, tz: ZoneInfo | None = None) -> str:
    if value is None:
        return ""
    local = value.astimezone(tz or UTC)
    this_year = local.year == datetime.now(UTC).year
    locale = _regional_locale()
    if locale is not None:
        return format_skeleton("MMMEd" if this_year else "yMMMEd", local, locale=locale)
    text = f"{local:%a} {local.day} {local:%b}"
    if not this_year:
        text += f" {local.year}"
    return text


def _regional_locale():
    """The visitor's Babel locale when dates should follow CLDR (any locale but plain English, whose house
    style is 'Tue 3 Dec, 7:00 pm'); None outside the app or for 'en'. E-mails rendered under `force_locale`
    follow their alert's language."""
    locale = get_locale() if has_app_context() else None
    if locale is None or (locale.language == "en" and not locale.territory):
        return None
    return locale


def ago(value: datetime | None, now: datetime | None = None) -> str:
    """'today', 'yesterday', '3 days ago', '2 weeks ago', '5 months ago'."""
    if value is None:
        return _("never")
    now = now or datetime.now(UTC)
    delta = now - value
    if delta < timedelta(hours=1):
        return _("just now")
    if delta < timedelta(days=1):
        hours = int(delta.total_seconds() // 3600)
        return ngettext("%(num)d hour ago", "%(num)d hours ago", hours)
    days = delta.days
    if days == 1:
        return _("yesterday")
    if days < 14:
        return ngettext("%(num)d day ago", "%(num)d days ago", days)
    if days < 60:
        return ngettext("%(num)d week ago", "%(num)d weeks ago", days // 7)
    return ngettext("%(num)d month ago", "%(num)d months ago", days // 30)


def duration(listing) -> str:
    """How long one meeting lasts ('2 hours', '1 h 30 min', '45 min'), from its start and end; '' when the
    source gave no end, the listing is all-day, or it runs a day or more."""
    start, end = getattr(listing, "start", None), getattr(listing, "end", None)
    if start is None or end is None or getattr(listing, "all_day", False):
        return ""
    minutes = int((end - start).total_seconds() // 60)
    if minutes <= 0 or minutes >= 24 * 60:
        return ""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("%(min)d min", min=rest)
    if not rest:
        return ngettext("%(num)d hour", "%(num)d hours", hours)
    return _("%(hours)d h %(min)d min", hours=hours, min=rest)


def until(start: datetime | None, end: datetime | None, tz: ZoneInfo | None = None, all_day: bool = False) -> str:
    """The end time of a meeting that ends the same local day ('12:00 pm'), else ''."""
    if start is None or end is None or all_day or end <= start:
        return ""
    local_start, local_end = start.astimezone(tz or UTC), end.astimezone(tz or UTC)
    if local_end.date() != local_start.date():
        return ""
    full = local_when(end, tz)
    return full.rsplit(", ", 1)[-1] if ", " in full else full
