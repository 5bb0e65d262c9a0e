"""Building digests: for each active alert whose period is due, find what is new to it and record one message.

Build and record happen in one transaction; the unique (alert, period) row means two builders
never produce the same digest twice. Sending is `finder.mail.outbox.send_pending`.
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

from finder import mail
from finder.alerts import subscriptions as alerts
from finder.alerts.cards import Cards
from finder.db import chunked
from finder.mail import build_wire_message, inline_css
from finder.mail import message_id as mail_message_id
from finder.models import Alert, AlertSent, Listing, ListingChange, OutboxMessage

log = logging.getLogger(__name__)
DIGEST_CAP = 10
COMMIT_EVERY = 200  # digests per transaction on the batch path
CHANGE_FIELDS = ("status", "start", "venue")

# match(session, query: dict, since: datetime, exclude_ids: set[int], limit: int, *, now: datetime, tz_name: str)
#   -> list[Listing]: what is new to a saved search, judged at `now` (never the wall clock) in zone `tz_name`
Matcher = Callable[..., list]
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


@dataclass
class BuildReport:
    built: int = 0
    empty: int = 0
    skipped: int = 0
    failed: int = 0  # alerts whose digest could not be built this period (recorded as a failed digest)
    errors: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # batch path: "match" (incl. history), "digests"


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
        batch = []
        for alert, period in due[offset : offset + COMMIT_EVERY]:
            clock = time.perf_counter()
            problem = prepared.problems.get(alert.id)
            new = [] if problem else prepared.matches(alert.id, sent.get(alert.id, ()), DIGEST_CAP + 1)
            report.seconds["match"] += time.perf_counter() - clock
            batch.append(_Due(alert, period, new, changes.get(alert.id, []), problem))
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
    try:
        made = [
            _record_or_fail(
                session,
                item.alert,
                item.period,
                now,
                item.problem,
                lambda i=item: (
                    record_digest(session, i.alert, i.period, settings, render, now, i.new, i.changes, flush=False)
                    is not None
                ),
            )
            for item in batch
        ]
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
        for listing in match(session, alert.query, since, sent_ids, DIGEST_CAP + 1, now=now, tz_name=settings.timezone)
        if listing.id not in sent_ids
    ]
    return (
        record_digest(session, alert, period, settings, render, now, new, changed_since(session, sent_ids, since))
        is not None
    )


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


def sent_among(session: Session, alert_ids: list[int], listing_ids: list[int]) -> dict[int, set[int]]:
    """Which of `listing_ids` each alert has already sent (read through the (alert, listing) key)."""
    found: dict[int, set[int]] = {}
    if not listing_ids:
        return found
    wanted = set(listing_ids)
    for ids in chunked(alert_ids):
        for alert_id, listing_id in session.execute(
            select(AlertSent.alert_id, AlertSent.listing_id).where(
                AlertSent.alert_id.in_(ids), AlertSent.listing_id.between(min(wanted), max(wanted))
            )
        ):
            if listing_id in wanted:
                found.setdefault(alert_id, set()).add(listing_id)
    return found


def changes_by_alert(
    session: Session, since: dict[int, datetime]
) -> dict[int, list[tuple[Listing, list[ListingChange]]]]:
    """`changed_since` for many alerts at once: {alert id: [(listing, its changes since the alert's since)]}."""
    if not since:
        return {}
    rows = session.scalars(
        select(ListingChange)
        .where(ListingChange.changed_at > min(since.values()), ListingChange.field.in_(CHANGE_FIELDS))
        .order_by(ListingChange.listing_id, ListingChange.changed_at)
    ).all()
    by_listing: dict[int, list[ListingChange]] = {}
    for change in rows:
        by_listing.setdefault(change.listing_id, []).append(change)
    changed, alert_ids = sorted(by_listing), list(since)
    found: dict[int, list] = {}
    for ids in chunked(alert_ids):
        for listing_ids in chunked(changed):
            pairs = session.execute(
                select(AlertSent.alert_id, AlertSent.listing_id).where(
                    AlertSent.alert_id.in_(ids), AlertSent.listing_id.in_(listing_ids)
                )
            ).all()
            for alert_id, listing_id in pairs:
                mine = [change for change in by_listing[listing_id] if change.changed_at > since[alert_id]]
                if mine:
                    found.setdefault(alert_id, []).append((session.get(Listing, listing_id), mine))
    return {alert_id: sorted(items, key=lambda item: item[0].id) for alert_id, items in found.items()}


def changed_since(
    session: Session, listing_ids: set[int], since: datetime
) -> list[tuple[Listing, list[ListingChange]]]:
    """Listings the alert sent before that changed in a way people care about since `since`."""
    if not listing_ids:
        return []
    rows = session.scalars(
        select(ListingChange)
        .where(
            ListingChange.listing_id.in_(listing_ids),
            ListingChange.changed_at > since,
            ListingChange.field.in_(CHANGE_FIELDS),
        )
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


def _since(alert: Alert) -> datetime:
    return alert.last_digest_at or alert.confirmed_at or alert.created_at
