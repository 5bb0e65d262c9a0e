"""Building digests: for each active alert whose period is due, find what is new to it and record one message.

Build and record happen in one transaction; the unique (alert, period) row means two builders
never produce the same digest twice. Sending is `finder.mail.outbox.send_pending`. Which alerts are due is
`finder.alerts.digest_due`, what each has sent and what changed `finder.alerts.digest_history`, the message
itself `finder.alerts.digest_message`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from finder.alerts import digest_message
from finder.alerts import subscriptions as alerts
from finder.alerts.cards import Cards
from finder.alerts.digest_due import due_alerts
from finder.alerts.digest_history import changed_since, changes_by_alert, sent_among
from finder.alerts.digest_message import DigestRows, DigestSettings, Renderer, record_digest
from finder.models import Alert, AlertSent, OutboxMessage

log = logging.getLogger(__name__)
COMMIT_EVERY = 200  # digests per transaction on the batch path

# match(session, query: dict, since: datetime, exclude_ids: set[int], limit: int, *, now: datetime, tz_name: str)
#   -> list[Listing]: what is new to a saved search, judged at `now` (never the wall clock) in zone `tz_name`
Matcher = Callable[..., list]


@dataclass
class BuildReport:
    built: int = 0
    empty: int = 0
    skipped: int = 0
    failed: int = 0  # alerts whose digest could not be built this period (recorded as a failed digest)
    errors: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # batch path: "match" (incl. history), "digests"


def build_due(
    session: Session,
    settings: DigestSettings,
    match: Matcher,
    render: Renderer,
    now: datetime,
    ids: tuple[int, int] | None = None,
) -> BuildReport:
    """Build and record every due digest (of alerts with ids in the inclusive range `ids`, when given).

    With a batch matcher (one with `prepare`, see `finder.alerts.matching`) every due alert is matched at
    once and digests are committed COMMIT_EVERY at a time; a batch that meets another builder's digest
    (unique per alert and period) is rolled back and redone one digest per commit, so none is built twice.
    Otherwise each alert is matched and committed on its own.
    """
    report = BuildReport()
    render = Cards.around(render, settings.base_url)  # each card rendered once per language for the whole build
    due = due_alerts(session, settings, now, ids)
    if not hasattr(match, "prepare"):
        for alert, period in due:
            _commit_one(
                session,
                report,
                alert,
                period,
                now,
                lambda a=alert, p=period: build_one(session, a, p, settings, match, render, now),
            )
        return report
    clock = time.perf_counter()
    since = {alert.id: _since(alert) for alert, _ in due}
    prepared = match.prepare(
        session, [(alert.id, alert.query, since[alert.id]) for alert, _ in due], now=now, tz_name=settings.timezone
    )
    sent = sent_among(session, list(since), prepared.window.ids)
    changes = changes_by_alert(session, since)
    report.seconds["match"] = time.perf_counter() - clock
    for offset in range(0, len(due), COMMIT_EVERY):
        clock = time.perf_counter()
        found = {
            alert.id: prepared.ids(alert.id, sent.get(alert.id, ()), digest_message.DIGEST_CAP + 1)
            for alert, _ in due[offset : offset + COMMIT_EVERY]
            if alert.id not in prepared.problems
        }
        prepared.load(i for ids in found.values() for i in ids)  # the batch's listings in one read
        batch = [
            _Due(
                alert,
                period,
                prepared.listings(found.get(alert.id, ())),
                changes.get(alert.id, []),
                prepared.problems.get(alert.id),
            )
            for alert, period in due[offset : offset + COMMIT_EVERY]
        ]
        report.seconds["match"] += time.perf_counter() - clock
        _record_batch(session, report, batch, settings, render, now)
    return report


@dataclass
class _Due:
    """One due digest on the batch path: what is new to it, what changed, or why its search failed."""

    alert: Alert
    period: alerts.Period
    new: list
    changes: list
    problem: str | None = None


def _record_batch(
    session: Session, report: BuildReport, batch: list, settings: DigestSettings, render: Renderer, now: datetime
) -> None:
    clock = time.perf_counter()
    rows = DigestRows(now)
    try:
        made = [
            _record_or_fail(
                session,
                item.alert,
                item.period,
                now,
                item.problem,
                lambda i=item: (
                    record_digest(session, i.alert, i.period, settings, render, now, i.new, i.changes, rows=rows)
                    is not None
                ),
            )
            for item in batch
        ]
        rows.write(session)
        session.commit()
    except IntegrityError:
        session.rollback()  # another builder recorded one of these periods: redo them one by one
        for item in batch:
            _commit_one(
                session,
                report,
                item.alert,
                item.period,
                now,
                lambda i=item: (
                    record_digest(session, i.alert, i.period, settings, render, now, i.new, i.changes) is not None
                ),
                item.problem,
            )
    else:
        for item, (outcome, problem) in zip(batch, made, strict=True):
            _count(report, item.alert.id, outcome, problem)
    report.seconds["digests"] = report.seconds.get("digests", 0.0) + time.perf_counter() - clock


def _commit_one(
    session: Session,
    report: BuildReport,
    alert: Alert,
    period: alerts.Period,
    now: datetime,
    build: Callable[[], bool],
    problem: str | None = None,
) -> None:
    alert_id = alert.id
    try:
        outcome, problem = _record_or_fail(session, alert, period, now, problem, build)
        session.commit()
    except IntegrityError:
        session.rollback()
        report.skipped += 1  # another builder recorded this period first
        return
    except SQLAlchemyError:
        session.rollback()
        log.exception("digest for alert %s not recorded", alert_id)
        report.failed += 1
        report.errors.append(f"alert {alert_id}: not recorded (database error)")
        return
    _count(report, alert_id, outcome, problem)


def _record_or_fail(
    session: Session, alert: Alert, period: alerts.Period, now: datetime, problem: str | None, build: Callable[[], bool]
) -> tuple[str, str | None]:
    """('built' | 'empty' | 'failed', the problem): one alert's digest, or its failure recorded for the period.

    Whatever one subscriber saved (a name, a search) must never stop everyone else's digest, so any error
    building this one is recorded against it; database errors go up to the caller, which owns the transaction."""
    if problem is None:
        try:
            return ("built" if build() else "empty"), None
        except SQLAlchemyError:
            raise
        except Exception as error:  # isolation is the point: logged with its traceback and recorded
            log.exception("digest for alert %s failed", alert.id)
            problem = f"{type(error).__name__}: {error}"[:500]
    record_failure(session, alert, period, problem, now)
    return "failed", problem


def record_failure(session: Session, alert: Alert, period: alerts.Period, problem: str, now: datetime) -> None:
    """A failed marker for the period (nothing to send; the next period tries again), with the reason."""
    session.add(
        OutboxMessage(
            alert_id=alert.id,
            period=period.key,
            kind="digest",
            recipient=alert.email[:320],
            message_id=f"<digest-failed-{alert.id}-{period.key}@kindred.invalid>",
            message="",
            status="failed",
            error=problem,
            created_at=now,
        )
    )
    session.flush()


def _count(report: BuildReport, alert_id: int, outcome: str, problem: str | None) -> None:
    if outcome == "failed":
        report.failed += 1
        report.errors.append(f"alert {alert_id}: {problem}")
    elif outcome == "built":
        report.built += 1
    else:
        report.empty += 1


def build_one(
    session,
    alert: Alert,
    period: alerts.Period,
    settings: DigestSettings,
    match: Matcher,
    render: Renderer,
    now: datetime,
) -> bool:
    """Record the digest for `period` (or an empty marker); True when there is something to send."""
    since = _since(alert)
    sent_ids = set(session.scalars(select(AlertSent.listing_id).where(AlertSent.alert_id == alert.id)))
    new = [
        listing
        for listing in match(
            session, alert.query, since, sent_ids, digest_message.DIGEST_CAP + 1, now=now, tz_name=settings.timezone
        )
        if listing.id not in sent_ids
    ]
    return (
        record_digest(session, alert, period, settings, render, now, new, changed_since(session, sent_ids, since))
        is not None
    )


def _since(alert: Alert) -> datetime:
    return alert.last_digest_at or alert.confirmed_at or alert.created_at
