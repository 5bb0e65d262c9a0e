"""One digest message: composed, rendered and recorded in the outbox (or its empty marker), and its settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from finder import mail
from finder.alerts import subscriptions as alerts
from finder.alerts.cards import Cards
from finder.mail import build_wire_message, inline_css
from finder.mail import message_id as mail_message_id
from finder.models import Alert, AlertSent, Listing, OutboxMessage

DIGEST_CAP = 10
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
    digest_weekday: str = "friday"


def record_digest(
    session,
    alert: Alert,
    period: alerts.Period,
    settings: DigestSettings,
    render: Renderer,
    now: datetime,
    new: list[Listing],
    changes: list,
    *,
    welcome: bool = False,
    flush: bool = True,
) -> OutboxMessage | None:
    """Record the digest of `new` listings and `changes` (or an empty marker); the outbox row when there is
    something to send. A `welcome` digest (the current best matches, sent on confirmation) is sent even empty.

    The message is built before anything is changed, so an error building it leaves the alert as it was.
    Without `flush` the rows are written at the caller's next flush (a batch writes them together)."""
    message_id = mail_message_id(f"digest-{alert.id}-{period.key}", settings.base_url)
    if not new and not changes and not welcome:
        alert.last_digest_at = now
        session.add(
            OutboxMessage(
                alert_id=alert.id,
                period=period.key,
                kind="digest",
                recipient=alert.email,
                message_id=message_id,
                message="",
                status="empty",
                created_at=now,
            )
        )
        if flush:
            session.flush()
        return None
    shown = new[:DIGEST_CAP]
    links = alert_links(settings, alert.id)
    render = Cards.around(render, settings.base_url)
    context = dict(
        alert=alert,
        listings=shown,
        card=render.bind(alert),
        more=len(new) > DIGEST_CAP,
        changes=changes,
        welcome=welcome,
        postal_address=settings.postal_address,
        base_url=settings.base_url,
        **links,
    )
    subject = render(
        "email/digest_subject.txt", count=f"{len(shown)}{'+' if len(new) > DIGEST_CAP else ''}", **context
    ).strip()
    message = build_wire_message(
        sender=settings.mail_from,
        recipient=alert.email,
        subject=subject,
        text=render("email/digest.txt", **context),
        html=inline_css(render("email/digest.html", **context)),
        message_id=message_id,
        date=now,
        headers={
            "List-Unsubscribe": f"<{links['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    alert.last_digest_at = now
    row = mail.record(session, alert_id=alert.id, period=period.key, kind="digest", message=message, now=now)
    session.add_all(AlertSent(alert_id=alert.id, listing_id=listing.id, sent_at=now) for listing in shown)
    if flush:
        session.flush()
    return row


def alert_links(settings: DigestSettings, alert_id: int) -> dict[str, str]:
    base = settings.base_url.rstrip("/")
    return {
        "manage_url": f"{base}/alerts/manage/{alerts.make_token(settings.secret, 'manage', alert_id)}",
        "unsubscribe_url": f"{base}/alerts/unsubscribe/{alerts.make_token(settings.secret, 'unsubscribe', alert_id)}",
    }
