"""What a card shows (place, tags, reasons, staleness), and `init_display(app)`, which registers all display filters."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask_babel import gettext as _

from finder.reasons import Reason
from finder.web.views.display_links import SOURCE_LINK_REL, outbound, paragraphs, sanitized, similar_query
from finder.web.views.display_time import ago, duration, local_day, local_when, until
from finder.web.views.display_words import KIND_LABELS, card_kind, describe_rule, distance, kind_label, reason_words
from finder.web.views.filter_chips import filter_chips
from finder.web.views.zones import listing_zone, shown_zone

STALE_AFTER = timedelta(days=14)  # a card says when it was last confirmed only once this old
MAX_CARD_REASONS = 3
# What a card says in its reasons list: the rest (schedule, next start, place, distance, online, free, newcomer,
# kind) has its own line on the card already.
CARD_REASON_CODES = ("matches_interest", "wheelchair")


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
