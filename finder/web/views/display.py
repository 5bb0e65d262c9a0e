"""How things read on a page: dates in the listing's zone, "checked 2 days ago", kinds, safe links.

Registered on the app as Jinja filters and globals by `init_display(app)`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import nh3
from babel.dates import format_skeleton, format_time, get_day_names
from babel.lists import format_list
from babel.numbers import format_decimal
from flask import Flask, has_app_context, has_request_context
from flask_babel import get_locale, lazy_gettext, ngettext
from flask_babel import gettext as _
from markupsafe import Markup

from finder import ranking
from finder.geo.math import km_to_miles
from finder.ranking import Reason
from finder.schedules import DAY_CODES, Schedule, schedule_of, schedule_words
from finder.web.views.filter_chips import filter_chips
from finder.web.views.searching import KIND_CHOICES
from finder.web.views.zones import listing_zone, shown_zone
from scrapers.text import ALLOWED_TAGS, absolute_links_only, safe_url

KIND_LABELS = KIND_CHOICES
ORDINALS = {"1": lazy_gettext("first"), "2": lazy_gettext("second"), "3": lazy_gettext("third"),
            "4": lazy_gettext("fourth"), "-1": lazy_gettext("last")}  # "on the first Monday of the month"
EVERY = {"DAILY": lazy_gettext("Meets daily"), "WEEKLY": lazy_gettext("Meets weekly"),
         "MONTHLY": lazy_gettext("Meets monthly"), "YEARLY": lazy_gettext("Meets yearly")}
EVERY_N = {"DAILY": lazy_gettext("Meets every %(num)d days"), "WEEKLY": lazy_gettext("Meets every %(num)d weeks"),
           "MONTHLY": lazy_gettext("Meets every %(num)d months"), "YEARLY": lazy_gettext("Meets every %(num)d years")}
# Reasons (finder.ranking.Reason) whose words take no parameter, by code.
REASON_WORDS = {"wheelchair": lazy_gettext("Wheelchair accessible"), "ongoing": lazy_gettext("Ongoing"),
                "in_person": lazy_gettext("In person"), "from_home": lazy_gettext("Join from home"),
                "online": lazy_gettext("Online"), "free": lazy_gettext("Free"),
                "newcomer": lazy_gettext("Newcomer-friendly")}
# The kind as people say it on a card, by what the listing is and how often it meets (card_kind).
KIND_SAID = {"weekly": lazy_gettext("Weekly group"), "monthly": lazy_gettext("Monthly group"),
             "other": lazy_gettext("Regular group"), "online": lazy_gettext("Online community"),
             "online-once": lazy_gettext("Online event"), "event": lazy_gettext("One-off event"),
             "club": lazy_gettext("Club or group"), "volunteer": lazy_gettext("Volunteer role"),
             "service": lazy_gettext("Community support")}
STALE_AFTER = timedelta(days=14)  # a card says when it was last confirmed only once this old
MAX_CARD_REASONS = 3
# What a card says in its reasons list: the rest (schedule, next start, place, distance, online, free, newcomer,
# kind) has its own line on the card already.
CARD_REASON_CODES = ("matches_interest", "wheelchair")
SOURCE_LINK_REL = "nofollow noopener ugc"


def init_display(app: Flask) -> None:
    app.add_template_filter(local_when, "when")
    app.add_template_filter(local_day, "day")
    app.add_template_filter(ago, "ago")
    app.add_template_filter(kind_label, "kind_label")
    app.add_template_filter(distance, "distance")
    app.add_template_filter(sanitized, "sanitized")
    app.add_template_filter(outbound, "outbound")
    app.add_template_filter(paragraphs, "paragraphs")
    app.add_template_filter(card_kind, "card_kind")
    app.add_template_filter(duration, "duration")
    app.add_template_global(describe_rule, "describe_rule")
    app.add_template_global(card_place, "card_place")
    app.add_template_global(card_tags, "card_tags")
    app.add_template_global(names_differ, "names_differ")
    app.add_template_global(is_stale, "is_stale")
    app.add_template_global(filter_chips, "filter_chips")
    app.add_template_global(similar_query, "similar_query")
    app.add_template_global(until, "until")
    app.add_template_global(card_reasons, "card_reasons")
    app.add_template_filter(reason_words, "reason_words")
    app.add_template_global(listing_zone, "listing_zone")
    app.add_template_global(shown_zone, "shown_zone")
    app.add_template_global(SOURCE_LINK_REL, "source_rel")
    app.add_template_global(KIND_LABELS, "kind_labels")
    app.add_template_global(lambda: datetime.now(UTC), "utcnow")


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
        return _("%(num)s mi away", num=format_decimal(round(miles, 1) if miles < 10 else round(miles),
                                                     format="0.0" if miles < 10 else "0", locale=locale))
    if km < 1:
        return _("%(num)s m away", num=format_decimal(max(round(km * 1000, -2), 100), format="0", locale=locale))
    return _("%(num)s km away", num=format_decimal(round(km, 1) if km < 10 else round(km),
                                                 format="0.0" if km < 10 else "0", locale=locale))


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
        return _("Meets every other %(days)s", days=joined) if schedule.every_other else _("Meets every %(days)s", days=joined)
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


def similar_query(listing) -> str:
    """The query string of a search for listings like this one (its kind, first interests and place), for
    "Email me similar"."""
    from urllib.parse import urlencode

    args = {"kind": listing.kind}
    slugs = [tag.slug for tag in listing.tags][:3]
    if slugs:
        args["interests"] = ",".join(slugs)
    if listing.online:
        args["online"] = "only"
    elif listing.locality:
        args["where"] = listing.locality
    elif listing.lat is not None and listing.lon is not None:
        args["lat"], args["lon"] = f"{listing.lat:.3f}", f"{listing.lon:.3f}"
    return urlencode(args)


def card_place(listing, distance_km: float | None, said_distance: str = "") -> tuple[str, str]:
    """(where, how far) for a card. A listing placed only by its town reads 'in <town>' with no distance
    (the distance to a town centre would mislead); online ones read 'Online'. `said_distance`: ranking's
    distance reason, used when no distance is given."""
    if listing.online:
        return _("Online"), ""
    if listing.geo_precision in ("locality", "region", "country") and listing.locality:
        where = listing.venue_name
        town = _("in %(town)s", town=listing.locality)
        return (f"{where}, {town}" if where else town[:1].upper() + town[1:]), ""
    where = ", ".join(part for part in (listing.venue_name, listing.locality) if part) or _("Place not given")
    return where, distance(distance_km) or said_distance


def card_tags(listing, reasons: list[Reason], limit: int = 4) -> list[str]:
    """The listing's interest labels not already named by a reason ('Matches Outdoors & hiking')."""
    from finder.web.i18n import tag_label

    said = {reason["slug"] for reason in reasons if reason.code == "matches_interest"}
    return [tag_label(tag) for tag in listing.tags if tag.slug not in said][:limit]


def _plain(name: str) -> str:
    return re.sub(r"\W+", " ", (name or "").casefold()).strip()


def names_differ(organiser: str, title: str) -> bool:
    """False when the organiser's name is the title again ('by Pearl District Walkers' under that title)."""
    return bool(_plain(organiser)) and _plain(organiser) not in (_plain(title), "")


def is_stale(listing, now: datetime | None = None) -> bool:
    """True when the listing was last confirmed at its source long enough ago to say so on a card."""
    seen = listing.last_seen
    if seen is None:
        return True
    if seen.tzinfo is None:
        seen = seen.replace(tzinfo=UTC)
    return (now or datetime.now(UTC)) - seen > STALE_AFTER


def card_reasons(reasons: list[Reason], listing, distance_km: float | None) -> tuple[str, list[Reason]]:
    """(distance text, at most MAX_CARD_REASONS reasons not already said elsewhere on the card (schedule,
    next start, place, online, free, newcomer)); templates put each in words with the `reason_words` filter."""
    reasons = list(reasons or [])
    said_distance = next((reason_words(r) for r in reasons if r.code == "distance"), "")
    shown = [r for r in reasons if r.code in CARD_REASON_CODES]
    return distance(distance_km) or said_distance, shown[:MAX_CARD_REASONS]


def reason_words(reason: Reason) -> str:
    """One of ranking's reasons in the visitor's language."""
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
    return ranking.english(reason)


def sanitized(markup: str) -> Markup:
    """Source HTML through nh3's allow-list again at render time (defence in depth)."""
    cleaned = nh3.clean(
        markup or "",
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel=SOURCE_LINK_REL,
        attribute_filter=absolute_links_only,
    )
    return Markup(cleaned)


def outbound(url: str | None) -> str:
    """A source-given link when it is http(s), else '' (templates then show no link)."""
    return safe_url(url or "")


def paragraphs(text: str) -> list[str]:
    """Plain text split into paragraphs at blank lines."""
    return [part.strip() for part in (text or "").split("\n\n") if part.strip()]
