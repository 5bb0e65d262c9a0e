"""Kinds, schedules, distances and finder.reasons' reasons in the visitor's words."""

from __future__ import annotations

from babel.dates import get_day_names
from babel.lists import format_list
from babel.numbers import format_decimal
from flask import has_app_context, has_request_context
from flask_babel import get_locale, lazy_gettext
from flask_babel import gettext as _

from finder import ranking
from finder import reasons as reasoning
from finder.geo import km_to_miles
from finder.reasons import Reason
from finder.schedules import DAY_CODES, Schedule, schedule_of, schedule_words
from finder.web.views.display_time import local_when
from finder.web.views.searching import KIND_CHOICES

KIND_LABELS = KIND_CHOICES
ORDINALS = {
    "1": lazy_gettext("first"),
    "2": lazy_gettext("second"),
    "3": lazy_gettext("third"),
    "4": lazy_gettext("fourth"),
    "-1": lazy_gettext("last"),
}  # "on the first Monday of the month"
EVERY = {
    "DAILY": lazy_gettext("Meets daily"),
    "WEEKLY": lazy_gettext("Meets weekly"),
    "MONTHLY": lazy_gettext("Meets monthly"),
    "YEARLY": lazy_gettext("Meets yearly"),
}
EVERY_N = {
    "DAILY": lazy_gettext("Meets every %(num)d days"),
    "WEEKLY": lazy_gettext("Meets every %(num)d weeks"),
    "MONTHLY": lazy_gettext("Meets every %(num)d months"),
    "YEARLY": lazy_gettext("Meets every %(num)d years"),
}
# Reasons (finder.reasons.Reason) whose words take no parameter, by code.
REASON_WORDS = {
    "wheelchair": lazy_gettext("Wheelchair accessible"),
    "ongoing": lazy_gettext("Ongoing"),
    "in_person": lazy_gettext("In person"),
    "from_home": lazy_gettext("Join from home"),
    "online": lazy_gettext("Online"),
    "free": lazy_gettext("Free"),
    "newcomer": lazy_gettext("Newcomer-friendly"),
}
# The kind as people say it on a card, by what the listing is and how often it meets (card_kind).
KIND_SAID = {
    "weekly": lazy_gettext("Weekly group"),
    "monthly": lazy_gettext("Monthly group"),
    "other": lazy_gettext("Regular group"),
    "online": lazy_gettext("Online community"),
    "online-once": lazy_gettext("Online event"),
    "event": lazy_gettext("One-off event"),
    "club": lazy_gettext("Club or group"),
    "volunteer": lazy_gettext("Volunteer role"),
    "service": lazy_gettext("Community support"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind.capitalize()))


def distance(km: float | None, unit: str | None = None) -> str:
    """'400 m away', '3.2 km away', '41 km away' (or '2.0 mi away' when the unit is miles), numbers in the
    visitor's locale ('3,2 km entfernt'); '' when unknown. `unit` defaults to the visitor's (finder.web.i18n)."""
    if km is None:
        return ""
    if unit is None:
        from finder.web.i18n import distance_unit

        unit = distance_unit() if has_request_context() else "km"
    locale = (get_locale() if has_request_context() else None) or "en"
    if unit == "mi":
        miles = km_to_miles(km)
        if miles < 0.1:  # never "0.0 mi away"
            return _("Under %(num)s mi away", num=format_decimal(0.1, format="0.0", locale=locale))
        return _(
            "%(num)s mi away",
            num=format_decimal(
                round(miles, 1) if miles < 10 else round(miles), format="0.0" if miles < 10 else "0", locale=locale
            ),
        )
    if km < 1:
        return _("%(num)s m away", num=format_decimal(max(round(km * 1000, -2), 100), format="0", locale=locale))
    return _(
        "%(num)s km away",
        num=format_decimal(round(km, 1) if km < 10 else round(km), format="0.0" if km < 10 else "0", locale=locale),
    )


def describe_rule(rrule: str | None, recurrence_text: str = "") -> str:
    """'Meets every Tuesday', 'Meets on the first Monday of the month' in the visitor's language; '' for a
    one-off."""
    schedule = schedule_of(rrule, recurrence_text or "")
    return "" if schedule is None else schedule_in_words(schedule)


def schedule_in_words(schedule: Schedule) -> str:
    """A schedule in the visitor's language (English: finder.schedules' own words, as the API says them)."""
    locale = get_locale() if has_app_context() else None
    if locale is None or locale.language == "en":
        return schedule_words(schedule)
    if schedule.text:  # the source's own words, in the source's language
        return _("Meets: %(when)s", when=schedule.text)
    names = get_day_names("wide", locale=locale)
    days = [names[DAY_CODES.index(code)] for code in schedule.days]
    if schedule.ordinal:
        return _("Meets on the %(ordinal)s %(day)s of the month", ordinal=str(ORDINALS[schedule.ordinal]), day=days[0])
    if days:
        joined = format_list(days, locale=locale)
        return (
            _("Meets every other %(days)s", days=joined)
            if schedule.every_other
            else _("Meets every %(days)s", days=joined)
        )
    if schedule.interval == 1:
        return str(EVERY[schedule.frequency])
    return str(EVERY_N[schedule.frequency]) % {"num": schedule.interval}


def card_kind(listing) -> str:
    """The kind as people say it: 'Weekly group', 'Volunteer role', 'Online community', 'One-off event'."""
    if listing.kind in ("volunteer", "service"):
        return str(KIND_SAID[listing.kind])
    cadence = ranking.recurrence_kind(listing.recurrence, listing.recurrence_text or "")
    if listing.online or listing.kind == "online":
        return str(KIND_SAID["online" if cadence or listing.kind == "online" else "online-once"])
    if cadence:
        return str(KIND_SAID[cadence])
    return str(KIND_SAID["event" if listing.kind == "event" else "club"])


def reason_words(reason: Reason) -> str:
    """One of finder.reasons' reasons in the visitor's language."""
    from finder.web.i18n import tag_label

    code = reason.code
    if code in REASON_WORDS:
        return str(REASON_WORDS[code])
    if code == "matches_interest":
        label = tag_label(reason["slug"])
        return _("Matches %(interest)s", interest=reason["label"] if label == reason["slug"] else label)
    if code == "meets":
        return schedule_in_words(reason["schedule"])
    if code == "next_on":
        return _("Next on %(when)s", when=local_when(reason["when"], reason["when"].tzinfo))
    if code == "in_place":
        return _("In %(place)s", place=reason["place"])
    if code == "distance":
        return distance(reason["km"], reason["unit"])
    if code == "kind":
        return kind_label(reason["kind"])
    return reasoning.english(reason)
