"""Which zone a listing's times are shown in, and how that zone is named on the page.

In-person listings keep the venue's zone ("Portland time"). Online listings are shown in the visitor's zone
when the page's script has sent it (the `tz` cookie, from the browser's `Intl` zone); until then, and in
e-mail, in the listing's own zone, always named beside the time so that nobody reads it as their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_location
from flask import current_app, has_request_context, request
from flask_babel import get_locale
from flask_babel import gettext as _

from scrapers.times import zone

TZ_COOKIE = "tz"  # set by static/js/site.js; an IANA zone name such as "Europe/Berlin"
MAX_ZONE_NAME = 64
UNIVERSAL = {"UTC", "Etc/UTC", "Etc/UCT", "Etc/GMT", "GMT", "UCT", "Etc/Universal", "Universal", "Zulu"}


@dataclass(frozen=True)
class ShownZone:
    """The zone to show a listing's times in: `tz`, its readable name `label`, whether it is the
    visitor's own zone (from the browser) rather than the listing's, and whether a card should name it
    beside the time (online times always; a venue's when the visitor is known to be in another zone)."""

    tz: ZoneInfo
    label: str
    visitor: bool = False
    named: bool = False


def listing_zone(listing) -> ZoneInfo:
    """The zone a listing's times are shown in: its own, else the site's, else UTC."""
    return zone(getattr(listing, "timezone", None)) or zone(current_app.config["FINDER"].TIMEZONE) or ZoneInfo("UTC")


def visitor_zone() -> ZoneInfo | None:
    """The visitor's zone as their browser reported it (the `tz` cookie), or None when unknown or invalid."""
    if not has_request_context():
        return None
    name = request.cookies.get(TZ_COOKIE, "")
    return zone(name) if 0 < len(name) <= MAX_ZONE_NAME else None


def shown_zone(listing) -> ShownZone:
    """Online timed listings: the visitor's zone when known, else the listing's, named. In person (and
    all-day dates): the venue's zone, named after the listing's town when it states its own zone."""
    venue = listing_zone(listing)
    if getattr(listing, "online", False) and not getattr(listing, "all_day", False):
        visitor = visitor_zone()
        if visitor is not None:
            return ShownZone(visitor, zone_label(visitor), visitor=True, named=True)
        return ShownZone(venue, zone_label(venue), named=True)
    town = listing.locality if getattr(listing, "timezone", None) and getattr(listing, "locality", None) else None
    visitor = visitor_zone()
    away = visitor is not None and visitor.key != venue.key and not getattr(listing, "all_day", False)
    return ShownZone(venue, zone_label(venue, town), named=away)


def zone_label(tz: ZoneInfo, town: str | None = None) -> str:
    """'Berlin time', 'hora de Berlín', 'Ortszeit Berlin' ('Portland time' when `town` is given);
    'Coordinated Universal Time' for UTC."""
    if tz.key in UNIVERSAL and not town:
        return _("Coordinated Universal Time")
    city = get_timezone_location(tz.key, locale=get_locale() or "en", return_city=True)
    if town and town.casefold() != get_timezone_location(tz.key, locale="en", return_city=True).casefold():
        city = town  # "Portland time" for a venue in America/Los_Angeles; "Londres" still for London in Spanish
    return _("%(city)s time", city=city)
