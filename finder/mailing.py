"""Glue between settings, templates and the outbox: confirmation mails and the digest job."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import render_template
from sqlalchemy.orm import Session

from finder import alerts, digests, outbox
from finder.config import Config
from finder.mail import MailError, build_message, deliver, parse_message
from finder.models import Alert, utcnow

log = logging.getLogger(__name__)


def digest_settings(config: Config) -> digests.DigestSettings:
    return digests.DigestSettings(secret=config.SECRET_KEY, base_url=config.BASE_URL, mail_from=config.MAIL_FROM,
                                  postal_address=config.MAIL_POSTAL_ADDRESS, timezone=config.TIMEZONE,
                                  digest_hour=config.DIGEST_HOUR)


def send_confirmation(session: Session, config: Config, alert: Alert, now: datetime | None = None) -> None:
    """Record the double opt-in message in the outbox and try to send it at once (the outbox retries)."""
    now = now or utcnow()
    session.flush()
    base = config.BASE_URL.rstrip("/")
    confirm_url = f"{base}/alerts/confirm/{alerts.make_token(config.SECRET_KEY, 'confirm', alert.id)}"
    context = dict(alert=alert, confirm_url=confirm_url, postal_address=config.MAIL_POSTAL_ADDRESS, base_url=base)
    period = f"confirm-{now:%Y%m%dT%H%M%S%f}"
    message = build_message(
        sender=config.MAIL_FROM, recipient=alert.email, subject="Confirm your Kindred alert",
        text=render_template("email/confirm.txt", **context), html=render_template("email/confirm.html", **context),
        message_id=f"<confirm-{alert.id}-{period}@{_host(base)}>", headers={"Auto-Submitted": "auto-generated"},
    )
    digest = outbox.record(session, alert_id=alert.id, period=period, kind="confirm", message=message, now=now)
    session.flush()
    try:
        deliver(config.SMTP_URL, outbox_dir(config), parse_message(digest.message))
    except MailError as error:
        log.warning("confirmation for alert %s deferred: %s", alert.id, error)
        digest.error = str(error)[:500]
        return
    digest.status, digest.sent_at, digest.attempts = "sent", now, 1


def run_digests(session: Session, config: Config, match: digests.Matcher, now: datetime | None = None,
                dry_run: bool = False) -> tuple[digests.BuildReport, outbox.SendReport | None]:
    """Build what is due now, then send the outbox (unless `dry_run`, which builds nothing)."""
    now = now or utcnow()
    settings = digest_settings(config)
    if dry_run:
        due = digests.due_alerts(session, settings, now)
        session.rollback()
        return digests.BuildReport(built=len(due)), None
    built = digests.build_due(session, settings, match, render_template, now)
    sent = outbox.send_pending(session, smtp_url=config.SMTP_URL, outbox_dir=outbox_dir(config), now=now)
    return built, sent


def outbox_dir(config: Config):
    return config.path(config.OUTBOX_DIR)


def _host(base_url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(base_url).hostname or "localhost"
