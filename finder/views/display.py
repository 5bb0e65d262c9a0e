"""How things read on a page: dates in the listing's zone, "checked 2 days ago", kinds, safe links.

Registered on the app as Jinja filters and globals by `init_display(app)`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import nh3
from flask import Flask, current_app
from markupsafe import Markup

from finder import ranking
from scrapers.text import ALLOWED_TAGS, safe_url, zone

KIND_LABELS = {
    "club": "Club or group",
    "volunteer": "Volunteering",
    "event": "Meetup or event",
    "online": "Online",
    "service": "Community support",
}
_DISTANCE = re.compile(r"^(Right here|[\d.]+ (km|mi|m) away)$")
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
    app.add_template_global(describe_rule, "describe_rule")
    app.add_template_global(card_reasons, "card_reasons")
    app.add_template_global(listing_zone, "listing_zone")
    app.add_template_global(SOURCE_LINK_REL, "source_rel")
    app.add_template_global(KIND_LABELS, "kind_labels")
    app.add_template_global(lambda: datetime.now(UTC), "utcnow")


def listing_zone(listing) -> ZoneInfo:
    """The zone a listing's times are shown in: its own, else the site's, else UTC."""
    return zone(getattr(listing, "timezone", None)) or zone(current_app.config["FINDER"].TIMEZONE) or ZoneInfo("UTC")


def local_when(value: datetime | None, tz: ZoneInfo | None = None, all_day: bool = False) -> str:
    """'Tue 3 Dec, 7:00 pm' in `tz` (year added when it is not this year); '' for None."""
    if value is None:
        return ""
    local = value.astimezone(tz or UTC)
    text = local_day(value, tz)
    if all_day:
        return text
    hour = local.strftime("%I").lstrip("0")
    return f"{text}, {hour}:{local:%M} {'am' if local.hour < 12 else 'pm'}"


def local_day(value: datetime | None, tz: ZoneInfo | None = None) -> str:
    if value is None:
        return ""
    local = value.astimezone(tz or UTC)
    text = f"{local:%a} {local.day} {local:%b}"
    if local.year != datetime.now(UTC).year:
        text += f" {local.year}"
    return text


def ago(value: datetime | None, now: datetime | None = None) -> str:
    """'today', 'yesterday', '3 days ago', '2 weeks ago', '5 months ago'."""
    if value is None:
        return "never"
    now = now or datetime.now(UTC)
    delta = now - value
    if delta < timedelta(hours=1):
        return "just now"
    if delta < timedelta(days=1):
        hours = int(delta.total_seconds() // 3600)
        return f"{hours} hour{'s' if hours != 1 else ''} ago"
    days = delta.days
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    if days < 60:
        return f"{days // 7} weeks ago"
    return f"{days // 30} months ago"


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.capitalize())


def distance(km: float | None) -> str:
    """'400 m away', '3.2 km away', '41 km away'; '' when unknown."""
    if km is None:
        return ""
    if km < 1:
        return f"{max(round(km * 1000, -2), 100):.0f} m away"
    if km < 10:
        return f"{km:.1f} km away"
    return f"{km:.0f} km away"


def describe_rule(rrule: str | None, recurrence_text: str = "") -> str:
    """'Meets every Tuesday', 'Meets on the first Monday of the month'; '' for a one-off (ranking's words)."""
    return ranking.schedule_phrase(rrule, recurrence_text or "") or ""


def card_reasons(reasons, listing, distance_km: float | None) -> tuple[str, list[str]]:
    """(distance text, reasons not already said elsewhere on the card: schedule, online, free, newcomer)."""
    reasons = list(reasons or [])
    said = {describe_rule(listing.recurrence, listing.recurrence_text), "Online", ranking.KIND_LABELS.get(listing.kind)}
    if listing.free:
        said.add("Free")
    if listing.newcomer_friendly:
        said.add("Newcomer-friendly")
    distance_text = next((r for r in reasons if _DISTANCE.match(r)), "") or distance(distance_km)
    return distance_text, [r for r in reasons if r not in said and not _DISTANCE.match(r)]


def sanitized(markup: str) -> Markup:
    """Source HTML through nh3's allow-list again at render time (defence in depth)."""
    cleaned = nh3.clean(
        markup or "",
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel=SOURCE_LINK_REL,
    )
    return Markup(cleaned)


def outbound(url: str | None) -> str:
    """A source-given link when it is http(s), else '' (templates then show no link)."""
    return safe_url(url or "")


def paragraphs(text: str) -> list[str]:
    """Plain text split into paragraphs at blank lines."""
    return [part.strip() for part in (text or "").split("\n\n") if part.strip()]
