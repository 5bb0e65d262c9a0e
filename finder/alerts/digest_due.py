"""Which digests are due: alerts whose current period has no digest yet."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.alerts import subscriptions as alerts
from finder.alerts.digest_message import DigestSettings
from finder.db import chunked
from finder.models import Alert, OutboxMessage


def due_alerts(
    session: Session, settings: DigestSettings, now: datetime, ids: tuple[int, int] | None = None
) -> list[tuple[Alert, alerts.Period]]:
    """Active alerts (and paused ones whose pause ended) with no digest yet for their current period; only
    those with ids in the inclusive range `ids` when given (one worker's share, see `finder.jobs.alert_workers`)."""
    periods: dict[str, alerts.Period | None] = {}
    candidates = []
    wanted = select(Alert).where(Alert.status.in_(("active", "paused"))).order_by(Alert.id)
    if ids is not None:
        wanted = wanted.where(Alert.id.between(*ids))
    for alert in session.scalars(wanted):
        if alert.status == "paused":
            if alert.paused_until and alert.paused_until > now:
                continue
            alert.status = "active"
        if alert.frequency not in periods:
            periods[alert.frequency] = alerts.current_period(
                alert.frequency, now, settings.timezone, settings.digest_hour, settings.digest_weekday
            )
        if periods[alert.frequency] is not None:
            candidates.append((alert, periods[alert.frequency]))
    keys = sorted({period.key for period in periods.values() if period is not None})
    done: set[tuple[int, str]] = set()
    for part in chunked(candidates):
        ids = [alert.id for alert, _ in part]
        done.update(
            session.execute(
                select(OutboxMessage.alert_id, OutboxMessage.period).where(
                    OutboxMessage.alert_id.in_(ids), OutboxMessage.period.in_(keys)
                )
            ).all()
        )
    return [(alert, period) for alert, period in candidates if (alert.id, period.key) not in done]
