"""Subscribers' data: deleted a set number of days after unsubscribing, exported or deleted on request.
No Flask here."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from finder.db import chunked
from finder.models import Alert, AlertSent, Claim, OutboxMessage, utcnow

PENDING_CLAIM_DAYS = 7  # unverified claims (an address and nothing else) are dropped after a week


def delete_unsubscribed(session: Session, after_days: int, now: datetime | None = None) -> int:
    """Delete alerts unsubscribed more than `after_days` ago, with their outbox messages, old unverified
    claims and sent claim mails; returns how many alerts went. The caller commits."""
    now = now or utcnow()
    cutoff = now - timedelta(days=max(after_days, 0))
    ids = list(session.scalars(select(Alert.id).where(Alert.status == "unsubscribed", Alert.unsubscribed_at <= cutoff)))
    if ids:
        _delete_alerts(session, ids)
    session.execute(
        delete(Claim).where(Claim.status == "pending", Claim.created_at <= now - timedelta(days=PENDING_CLAIM_DAYS))
    )
    session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.kind == "claim", OutboxMessage.status == "sent", OutboxMessage.sent_at <= cutoff
        )
    )
    return len(ids)


def export(session: Session, email: str) -> dict:
    """Everything stored about `email`: its alerts, what was mailed to it (without bodies) and its claims."""
    alerts = session.scalars(select(Alert).where(Alert.email == email).order_by(Alert.id)).all()
    mails = session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == email).order_by(OutboxMessage.id)
    ).all()
    claims = session.scalars(select(Claim).where(Claim.email == email).order_by(Claim.id)).all()
    return {
        "email": email,
        "alerts": [
            {
                "id": a.id,
                "name": a.name,
                "query": a.query,
                "frequency": a.frequency,
                "status": a.status,
                "created_at": _iso(a.created_at),
                "confirmed_at": _iso(a.confirmed_at),
                "unsubscribed_at": _iso(a.unsubscribed_at),
                "last_digest_at": _iso(a.last_digest_at),
            }
            for a in alerts
        ],
        "messages": [
            {
                "kind": d.kind,
                "period": d.period,
                "status": d.status,
                "created_at": _iso(d.created_at),
                "sent_at": _iso(d.sent_at),
            }
            for d in mails
        ],
        "claims": [
            {
                "listing_id": c.listing_id,
                "organization_id": c.organization_id,
                "status": c.status,
                "created_at": _iso(c.created_at),
                "verified_at": _iso(c.verified_at),
            }
            for c in claims
        ],
    }


def delete_subscriber(session: Session, email: str) -> int:
    """Delete every alert, message and claim of `email` now; returns how many alerts went."""
    ids = list(session.scalars(select(Alert.id).where(Alert.email == email)))
    if ids:
        _delete_alerts(session, ids)
    session.execute(delete(OutboxMessage).where(OutboxMessage.recipient == email))
    session.execute(delete(Claim).where(Claim.email == email))
    return len(ids)


def _delete_alerts(session: Session, ids: list[int]) -> None:
    for chunk in chunked(ids):
        session.execute(delete(OutboxMessage).where(OutboxMessage.alert_id.in_(chunk)))
        session.execute(delete(AlertSent).where(AlertSent.alert_id.in_(chunk)))
        session.execute(delete(Alert).where(Alert.id.in_(chunk)))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
