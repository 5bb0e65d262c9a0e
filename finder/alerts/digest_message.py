"""One digest message: composed, rendered and recorded in the outbox (or its empty marker), and its settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from sqlalchemy import insert, update
from sqlalchemy.orm.attributes import set_committed_value

from finder import mail
from finder.alerts import subscriptions as alerts
from finder.alerts.cards import Cards
from finder.alerts.digest_shells import Shells
from finder.db import chunked
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
    rows: DigestRows | None = None,
) -> OutboxMessage | dict | None:
    """Record the digest of `new` listings and `changes` (or an empty marker); the outbox row when there is
    something to send. A `welcome` digest (the current best matches, sent on confirmation) is sent even empty.

    The message is built before anything is changed, so an error building it leaves the alert as it was.
    Without `flush` the rows are written at the caller's next flush; with `rows` they are only collected there
    (a dict for the outbox row), for the caller to write with the rest of its batch (`DigestRows.write`)."""
    message_id = mail_message_id(f"digest-{alert.id}-{period.key}", settings.base_url)
    if not new and not changes and not welcome:
        marker = dict(
            alert_id=alert.id,
            period=period.key,
            kind="digest",
            recipient=alert.email,
            message_id=message_id,
            message="",
            status="empty",
            attempts=0,
            next_attempt_at=None,
            error="",
            created_at=now,
        )
        if rows is not None:
            rows.add(alert, marker, [])
            return None
        alert.last_digest_at = now
        session.add(OutboxMessage(**marker))
        if flush:
            session.flush()
        return None
    shown, more = new[:DIGEST_CAP], len(new) > DIGEST_CAP
    links = alert_links(settings, alert.id)
    render = Cards.around(render, settings.base_url)
    parts = partial(digest_parts, render, settings)
    composed = None
    if not welcome and not changes:  # the common digest: filled into its shape's shell (finder.alerts.digest_shells)
        shells = render.shells.get(id(settings))
        if shells is None or shells.settings is not settings:
            shells = render.shells[id(settings)] = Shells(parts, render, settings)
        composed = shells.compose(alert, shown, more, links)
    if composed is None:
        subject, text, html = parts(alert, shown, more, links, render.bind(alert), changes=changes, welcome=welcome)
        composed = (subject.strip(), text, inline_css(html))
    subject, text, html = composed
    message = build_wire_message(
        sender=settings.mail_from,
        recipient=alert.email,
        subject=subject,
        text=text,
        html=html,
        message_id=message_id,
        date=now,
        headers={
            "List-Unsubscribe": f"<{links['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    if rows is not None:
        row = mail.outbox_row(alert_id=alert.id, period=period.key, kind="digest", message=message, now=now)
        rows.add(alert, row, [{"alert_id": alert.id, "listing_id": listing.id, "sent_at": now} for listing in shown])
        return row
    alert.last_digest_at = now
    row = mail.record(session, alert_id=alert.id, period=period.key, kind="digest", message=message, now=now)
    session.add_all(AlertSent(alert_id=alert.id, listing_id=listing.id, sent_at=now) for listing in shown)
    if flush:
        session.flush()
    return row


@dataclass
class DigestRows:
    """A batch's outbox rows, listings sent and alerts done, written together by `write` (Core bulk inserts: an
    ORM object per row cost more than building a digest's message)."""

    now: datetime
    outbox: list[dict] = field(default_factory=list)
    sent: list[dict] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)

    def add(self, alert: Alert, outbox: dict, sent: list[dict]) -> None:
        self.outbox.append(outbox)
        self.sent += sent
        self.alerts.append(alert)

    def write(self, session) -> None:
        """Insert the rows and mark the alerts' last digest (in the database and on the loaded alerts)."""
        connection = session.connection()  # the tables' own statements: the ORM's bulk path costs per row too
        if self.outbox:
            connection.execute(insert(OutboxMessage.__table__), self.outbox)
        if self.sent:
            connection.execute(insert(AlertSent.__table__), self.sent)
        for ids in chunked([alert.id for alert in self.alerts], 500):
            table = Alert.__table__
            connection.execute(update(table).where(table.c.id.in_(ids)).values(last_digest_at=self.now))
        for alert in self.alerts:
            set_committed_value(alert, "last_digest_at", self.now)


def digest_parts(
    render: Renderer,
    settings: DigestSettings,
    alert,
    shown: list,
    more: bool,
    links: dict[str, str],
    card,
    *,
    changes: list = (),
    welcome: bool = False,
) -> tuple[str, str, str]:
    """(subject, text, html) of a digest from its templates: the subject not yet stripped, the html not yet inlined."""
    context = dict(
        alert=alert,
        listings=shown,
        card=card,
        more=more,
        changes=changes,
        welcome=welcome,
        postal_address=settings.postal_address,
        base_url=settings.base_url,
        **links,
    )
    subject = render("email/digest_subject.txt", count=f"{len(shown)}{'+' if more else ''}", **context)
    return subject, render("email/digest.txt", **context), render("email/digest.html", **context)


def alert_links(settings: DigestSettings, alert_id: int) -> dict[str, str]:
    base = settings.base_url.rstrip("/")
    manage, unsubscribe = alerts.make_tokens(settings.secret, alert_id, "manage", "unsubscribe")
    return {
        "manage_url": f"{base}/alerts/manage/{manage}",
        "unsubscribe_url": f"{base}/alerts/unsubscribe/{unsubscribe}",
    }
