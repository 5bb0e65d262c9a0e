"""A saved search in words: "Near Portland, within 15 mi · Sat and Sun · Music" (the alert pages), in the
visitor's language, never parameter names."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date, get_day_names
from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from finder.tags import load_vocabulary
from finder.web.i18n import tag_label
from finder.web.views.display_words import kind_label
from finder.web.views.searching import WHEN_CHOICES, point_name

TIMES = {"morning": _l("Morning"), "afternoon": _l("Afternoon"), "evening": _l("Evening")}
AUDIENCES = {
    "kids": _l("Children"),
    "teens": _l("Teenagers"),
    "seniors": _l("Older people"),
    "families": _l("Families"),
    "groups": _l("Groups"),
}
ACCESS = {"wheelchair": _l("Wheelchair accessible"), "sign_language": _l("Sign language")}
FLAGS = {"recurring": _l("Meets regularly"), "newcomer": _l("Newcomers welcome"), "free": _l("Free")}
ONLINE = {"only": _l("Only online"), "exclude": _l("In person only")}
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # babel numbers days from Monday = 0


def describe_query(query: dict[str, str]) -> list[str]:
    """The parts of a saved search as short phrases, in the order the search form asks for them."""
    locale = get_locale() or "en"
    parts = [_place(query)]
    if query.get("interests"):
        parts.append(_listed([_interest(word) for word in _split(query["interests"])], locale))
    if query.get("q"):
        parts.append(_("Words: “%(words)s”", words=query["q"]))
    if query.get("kind"):
        parts.append(_listed([kind_label(kind) for kind in _split(query["kind"])], locale))
    if query.get("when") in WHEN_CHOICES and query["when"] != "any":
        parts.append(str(WHEN_CHOICES[query["when"]]))
    for key, phrase in (("from", _l("From %(date)s")), ("to", _l("Until %(date)s"))):
        if query.get(key):
            parts.append(str(phrase) % {"date": _date(query[key], locale)})
    if query.get("days"):
        names = get_day_names("abbreviated", locale=locale)
        parts.append(
            _listed([names[DAY_KEYS.index(day)] if day in DAY_KEYS else day for day in _split(query["days"])], locale)
        )
    parts += [str(TIMES.get(value, value)) for value in _split(query.get("time", ""))]
    parts += [str(label) for key, label in FLAGS.items() if query.get(key) == "true"]
    if query.get("audience"):
        parts.append(_listed([str(AUDIENCES.get(a, a)) for a in _split(query["audience"])], locale))
    parts += [str(ACCESS.get(value, value)) for value in _split(query.get("access", ""))]
    if query.get("online") in ONLINE:
        parts.append(str(ONLINE[query["online"]]))
    return [part for part in parts if part]


def _place(query: dict[str, str]) -> str:
    where = query.get("where") or _point(query.get("lat"), query.get("lon"))
    if not where:
        return ""
    if query.get("radius_mi"):
        return _("Near %(place)s, within %(radius)s mi", place=where, radius=query["radius_mi"])
    if query.get("radius_km"):
        return _("Near %(place)s, within %(radius)s km", place=where, radius=query["radius_km"])
    return _("Near %(place)s", place=where)


def _point(lat: str | None, lon: str | None) -> str:
    """A saved "use my location" point, named after its nearest town; '' when there is none."""
    try:
        return point_name(float(lat), float(lon)) if lat and lon else ""
    except ValueError:
        return _("your location")


def _interest(word: str) -> str:
    """A tag's label when the word is a tag slug, else the word as typed."""
    return tag_label(word) if load_vocabulary().facet(word) else word


def _date(text: str, locale) -> str:
    try:
        return format_date(date.fromisoformat(text), "medium", locale=locale)
    except ValueError:
        return text


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _listed(items: list[str], locale) -> str:
    return format_list(items, locale=locale) if items else ""
