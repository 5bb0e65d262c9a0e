"""The outbox: record a message first, then send, then mark sent — at most one re-send after a crash.

Senders claim a row atomically (status pending/retry → sending) so concurrent senders never send one twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from finder.mail.send import MailError, Sender
from finder.models import Alert, OutboxMessage

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
RETRY_BASE_S = 300  # 5 min, doubling
STALE_SENDING_S = 900  # a 'sending' claim older than this is taken to have crashed
BOUNCES_BEFORE_STOP = 3


@dataclass
class SendReport:
    sent: int = 0
    retry: int = 0
    failed: int = 0
    connections: int = 0  # SMTP connections opened


def record(
    session: Session, *, alert_id: int | None, period: str, kind: str, message: EmailMessage, now: datetime
) -> OutboxMessage:
    """Add the message to the outbox (unique per alert and period); the caller commits."""
    digest = OutboxMessage(**outbox_row(alert_id=alert_id, period=period, kind=kind, message=message, now=now))
    session.add(digest)
    return digest


def outbox_row(*, alert_id: int | None, period: str, kind: str, message: EmailMessage, now: datetime) -> dict:
    """The outbox row of a message to send, as column values (for `record`, or a caller's bulk insert)."""
    return dict(
        alert_id=alert_id,
        period=period,
        kind=kind,
        recipient=message["To"],
        message_id=message["Message-ID"],
        message=message.as_string(),
        status="pending",
        attempts=0,
        next_attempt_at=now,
        error="",
        created_at=now,
    )


def send_pending(
    session: Session,
    *,
    smtp_url: str,
    outbox_dir: Path,
    now: datetime,
    limit: int | None = 500,
    alert_ids: tuple[int, int] | None = None,
) -> SendReport:
    """Send every due message (at most `limit`; only those of alerts in the inclusive range `alert_ids` when
    given); commits after each so a crash loses at most one 'sent' mark."""
    report = SendReport()
    stale = now - timedelta(seconds=STALE_SENDING_S)
    wanted = (
        select(OutboxMessage.id)
        .where(
            or_(
                OutboxMessage.status.in_(("pending", "retry")) & (OutboxMessage.next_attempt_at <= now),
                (OutboxMessage.status == "sending") & (OutboxMessage.next_attempt_at <= stale),
            )
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if alert_ids is not None:
        wanted = wanted.where(OutboxMessage.alert_id.between(*alert_ids))
    due = session.scalars(wanted).all()
    with Sender(smtp_url, outbox_dir) as sender:  # one SMTP connection for the whole run
        for digest_id in due:
            if not _claim(session, digest_id, now, stale):
                continue
            digest = session.get(OutboxMessage, digest_id)
            try:
                sender.send_stored(digest.message, digest.recipient)
            except MailError as error:
                _failed(session, digest, error, now, report)
            else:
                digest.status, digest.sent_at, digest.error = "sent", now, ""
                report.sent += 1
            session.commit()
        report.connections = sender.connections
    return report


def _claim(session: Session, digest_id: int, now: datetime, stale: datetime) -> bool:
    claimed = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == digest_id,
            or_(
                OutboxMessage.status.in_(("pending", "retry")),
                (OutboxMessage.status == "sending") & (OutboxMessage.next_attempt_at <= stale),
            ),
        )
        .values(status="sending", next_attempt_at=now, attempts=OutboxMessage.attempts + 1)
    ).rowcount
    session.commit()
    return claimed == 1


def _failed(session: Session, digest: OutboxMessage, error: MailError, now: datetime, report: SendReport) -> None:
    digest.error = str(error)[:500]
    if error.temporary and digest.attempts < MAX_ATTEMPTS:
        digest.status = "retry"
        digest.next_attempt_at = now + timedelta(seconds=RETRY_BASE_S * 2 ** (digest.attempts - 1))
        report.retry += 1
        log.warning("mail %s deferred (attempt %d): %s", digest.message_id, digest.attempts, error)
        return
    digest.status = "failed"
    report.failed += 1
    log.error("mail %s failed: %s", digest.message_id, error)
    if not error.temporary and digest.alert_id is not None:
        alert = session.get(Alert, digest.alert_id)
        alert.bounces += 1
        if alert.bounces >= BOUNCES_BEFORE_STOP:
            alert.status = "bouncing"
