"""Glue between settings, templates and the outbox: confirmation mails and the digest job.

No Flask here: every function that writes a message takes `render(template_name, **context) -> str`, which the
web layer passes in (`finder.web.i18n.render_in_alert_locale`: a template in its alert's language)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from finder import mail
from finder.alerts import digest_due, digest_message, digests
from finder.alerts import subscriptions as alerts
from finder.alerts.digest_message import Renderer
from finder.config import Config
from finder.mail import MailError, build_message, deliver, message_id, parse_message
from finder.models import Alert, OutboxMessage, utcnow

log = logging.getLogger(__name__)
WELCOME_PERIOD = "welcome"  # the (alert, period) key of the one welcome digest


def digest_settings(config: Config) -> digest_message.DigestSettings:
    return digest_message.DigestSettings(
        secret=config.SECRET_KEY,
        base_url=config.BASE_URL,
        mail_from=config.MAIL_FROM,
        postal_address=config.MAIL_POSTAL_ADDRESS,
        timezone=config.TIMEZONE,
        digest_hour=config.DIGEST_HOUR,
        digest_weekday=config.DIGEST_WEEKDAY,
    )


def send_confirmation(
    session: Session, config: Config, alert: Alert, render: Renderer, now: datetime | None = None
) -> None:
    """Record the double opt-in message in the outbox and try to send it at once (the outbox retries)."""
    now = now or utcnow()
    session.flush()
    base = config.BASE_URL.rstrip("/")
    confirm_url = f"{base}/alerts/confirm/{alerts.make_token(config.SECRET_KEY, 'confirm', alert.id)}"
    context = dict(alert=alert, confirm_url=confirm_url, postal_address=config.MAIL_POSTAL_ADDRESS, base_url=base)
    period = f"confirm-{now:%Y%m%dT%H%M%S%f}"
    message = build_message(
        sender=config.MAIL_FROM,
        recipient=alert.email,
        subject=render("email/confirm_subject.txt", **context).strip(),
        text=render("email/confirm.txt", **context),
        html=render("email/confirm.html", **context),
        message_id=message_id(f"confirm-{alert.id}-{period}", base),
        headers={"Auto-Submitted": "auto-generated"},
        date=now,
    )
    digest = mail.record(session, alert_id=alert.id, period=period, kind="confirm", message=message, now=now)
    session.flush()
    _deliver_now(config, digest, now)


def send_welcome(
    session: Session, config: Config, alert: Alert, matches: list, render: Renderer, now: datetime | None = None
) -> None:
    """The welcome digest of a just-confirmed alert: `matches` (its search's current best, see
    `finder.alerts.welcome`), labelled as a start, recorded once per alert and sent at once (the outbox retries)."""
    now = now or utcnow()
    period = alerts.Period(WELCOME_PERIOD, now)
    digest = digest_message.record_digest(
        session, alert, period, digest_settings(config), render, now, matches, [], welcome=True
    )
    if digest is not None:
        _deliver_now(config, digest, now)


def _deliver_now(config: Config, digest: OutboxMessage, now: datetime) -> None:
    """Try an outbox row at once; on failure it stays pending for `outbox.send_pending`."""
    try:
        deliver(config.SMTP_URL, outbox_dir(config), parse_message(digest.message))
    except MailError as error:
        log.warning("%s for alert %s deferred: %s", digest.kind, digest.alert_id, error)
        digest.error = str(error)[:500]
        return
    digest.status, digest.sent_at, digest.attempts = "sent", now, 1


def run_digests(
    session: Session,
    config: Config,
    match: digests.Matcher,
    render: Renderer,
    now: datetime | None = None,
    dry_run: bool = False,
    ids: tuple[int, int] | None = None,
) -> tuple[digests.BuildReport, mail.SendReport | None]:
    """Build what is due now, then send the outbox (unless `dry_run`, which builds nothing); with `ids`, only
    for the alerts in that inclusive id range (one worker's share)."""
    now = now or utcnow()
    settings = digest_settings(config)
    if dry_run:
        due = digest_due.due_alerts(session, settings, now, ids)
        session.rollback()
        return digests.BuildReport(built=len(due)), None
    built = digests.build_due(session, settings, match, render, now, ids)
    sent = mail.send_pending(session, smtp_url=config.SMTP_URL, outbox_dir=outbox_dir(config), now=now, alert_ids=ids)
    return built, sent


def outbox_dir(config: Config):
    return config.path(config.OUTBOX_DIR)


def send_admin_alarm(session: Session, config: Config, slugs: list[str], now: datetime) -> None:
    """Tell FINDER_ADMIN_EMAIL which sources yielded nothing twice running (at most once a day per set)."""
    period = f"alarm-{now:%Y-%m-%d}-{'-'.join(slugs)}"[:40]
    if session.scalar(select(exists().where(OutboxMessage.period == period, OutboxMessage.alert_id.is_(None)))):
        return
    text = (
        "These sources yielded nothing in their last two runs; their listings are kept as they were:\n\n"
        + "\n".join(f"- {slug}" for slug in slugs)
        + f"\n\nSee {config.BASE_URL.rstrip('/')}/status\n"
    )
    message = build_message(
        sender=config.MAIL_FROM,
        recipient=config.ADMIN_EMAIL,
        subject=f"Kindred: {len(slugs)} source(s) yielding nothing",
        text=text,
        html=None,
        message_id=message_id(period, config.BASE_URL),
        date=now,
        headers={"Auto-Submitted": "auto-generated"},
    )
    mail.record(session, alert_id=None, period=period, kind="admin", message=message, now=now)
    session.flush()
    mail.send_pending(session, smtp_url=config.SMTP_URL, outbox_dir=outbox_dir(config), now=now)
