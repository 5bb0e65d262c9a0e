"""Building digests: for each active alert whose period is due, find what is new to it and record one message.

Build and record happen in one transaction; the unique (alert, period) row means two builders
never produce the same digest twice. Sending is `finder.outbox.send_pending`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from finder import alerts, outbox
from finder.mail import build_message
from finder.models import Alert, AlertSent, Digest, Listing, ListingChange

log = logging.getLogger(__name__)
DIGEST_CAP = 10
CHANGE_FIELDS = ("status", "start", "venue")

# match(session, query: dict, since: datetime, exclude_ids: set[int], limit: int) -> list[Listing]
Matcher = Callable[[Session, dict, datetime, set, int], list]
# render(template_name, **context) -> str
Renderer = Callable[..., str]


@dataclass
class DigestSettings:
    secret: str
    base_url: str
    mail_from: str
    postal_address: str
    timezone: str
    digest_hour: int


@dataclass
class BuildReport:
    built: int = 0
    empty: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def due_alerts(session: Session, settings: DigestSettings, now: datetime) -> list[tuple[Alert, alerts.Period]]:
    """Active alerts (and paused ones whose pause ended) with no digest yet for their current period."""
    found = []
    for alert in session.scalars(select(Alert).where(Alert.status.in_(("active", "paused"))).order_by(Alert.id)):
        if alert.status == "paused":
            if alert.paused_until and alert.paused_until > now:
                continue
            alert.status = "active"
        period = alerts.current_period(alert.frequency, now, settings.timezone, settings.digest_hour)
        if period is None:
            continue
        done = session.scalar(select(exists().where(Digest.alert_id == alert.id, Digest.period == period.key)))
        if not done:
            found.append((alert, period))
    return found


def build_due(session: Session, settings: DigestSettings, match: Matcher, render: Renderer, now: datetime) -> BuildReport:
    """Build and record every due digest, committing each on its own."""
    report = BuildReport()
    for alert, period in due_alerts(session, settings, now):
        try:
            made = build_one(session, alert, period, settings, match, render, now)
            session.commit()
        except IntegrityError:
            session.rollback()
            report.skipped += 1  # another builder recorded this period first
            continue
        if made:
            report.built += 1
        else:
            report.empty += 1
    return report


def build_one(session, alert: Alert, period: alerts.Period, settings: DigestSettings, match: Matcher,
              render: Renderer, now: datetime) -> bool:
    """Record the digest for `period` (or an empty marker); True when there is something to send."""
    since = alert.last_digest_at or alert.confirmed_at or alert.created_at
    sent_ids = set(session.scalars(select(AlertSent.listing_id).where(AlertSent.alert_id == alert.id)))
    new = [listing for listing in match(session, alert.query, since, sent_ids, DIGEST_CAP + 1)
           if listing.id not in sent_ids]
    changes = changed_since(session, sent_ids, since)
    alert.last_digest_at = now
    message_id = f"<digest-{alert.id}-{period.key}@{_domain(settings.base_url)}>"
    if not new and not changes:
        session.add(Digest(alert_id=alert.id, period=period.key, kind="digest", recipient=alert.email,
                           message_id=message_id, message="", status="empty", created_at=now))
        session.flush()
        return False
    shown = new[:DIGEST_CAP]
    links = alert_links(settings, alert.id)
    context = dict(alert=alert, listings=shown, more=len(new) > DIGEST_CAP, changes=changes,
                   postal_address=settings.postal_address, base_url=settings.base_url, **links)
    subject = f"{len(shown)}{'+' if len(new) > DIGEST_CAP else ''} new for “{alert.name or 'your Kindred search'}”"
    message = build_message(
        sender=settings.mail_from, recipient=alert.email, subject=subject,
        text=render("email/digest.txt", **context), html=render("email/digest.html", **context),
        message_id=message_id,
        headers={"List-Unsubscribe": f"<{links['unsubscribe_url']}>",
                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                 "Auto-Submitted": "auto-generated"},
    )
    outbox.record(session, alert_id=alert.id, period=period.key, kind="digest", message=message, now=now)
    session.add_all(AlertSent(alert_id=alert.id, listing_id=listing.id, sent_at=now) for listing in shown)
    session.flush()
    return True


def changed_since(session: Session, listing_ids: set[int], since: datetime) -> list[tuple[Listing, list[ListingChange]]]:
    """Listings the alert sent before that changed in a way people care about since `since`."""
    if not listing_ids:
        return []
    rows = session.scalars(
        select(ListingChange)
        .where(ListingChange.listing_id.in_(listing_ids), ListingChange.changed_at > since,
               ListingChange.field.in_(CHANGE_FIELDS))
        .order_by(ListingChange.listing_id, ListingChange.changed_at)
    ).all()
    grouped: dict[int, list[ListingChange]] = {}
    for change in rows:
        grouped.setdefault(change.listing_id, []).append(change)
    return [(session.get(Listing, listing_id), changes) for listing_id, changes in grouped.items()]


def alert_links(settings: DigestSettings, alert_id: int) -> dict[str, str]:
    base = settings.base_url.rstrip("/")
    return {
        "manage_url": f"{base}/alerts/manage/{alerts.make_token(settings.secret, 'manage', alert_id)}",
        "unsubscribe_url": f"{base}/alerts/unsubscribe/{alerts.make_token(settings.secret, 'unsubscribe', alert_id)}",
    }


def _domain(base_url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(base_url).hostname or "localhost"
