"""The scheduler's job table. Every job calls the same functions as the CLI, under a cross-process lock.

`finder scheduler` runs them on their cadences in one dedicated process (never inside web workers);
`finder scheduler --once` runs whatever is due once and exits (tests, cron).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from finder import joblock, maintenance
from finder.models import JobRun, ScrapeRun, Source, utcnow
from finder.retry import with_retries

log = logging.getLogger(__name__)
EVERY = re.compile(r"^(\d+)([mhd])$")
UNIT_S = {"m": 60, "h": 3600, "d": 86400}


class JobFailed(Exception):
    """A job ran to its end and recorded a failure of its own (a scrape run `failed` or `empty`)."""


@dataclass(frozen=True)
class Job:
    key: str
    interval_s: float
    run: Callable[[Flask], str]  # returns a one-line summary; raises (JobFailed or anything) when it failed
    source: str | None = None  # the source slug of a scrape job


def every_seconds(every: str) -> float:
    match = EVERY.match(every or "")
    if not match:
        raise ValueError(f"cadence must look like 30m, 6h or 1d, not {every!r}")
    return int(match.group(1)) * UNIT_S[match.group(2)]


def job_table(app: Flask) -> list[Job]:
    """Every job with its cadence: one per enabled source, plus alerts and upkeep."""
    with app.extensions["sessionmaker"]() as session:
        sources = session.execute(select(Source.slug, Source.every).where(Source.enabled.is_(True))
                                  .order_by(Source.slug)).all()
    jobs = [Job(f"scrape:{slug}", every_seconds(every), _scrape(slug), source=slug) for slug, every in sources]
    jobs += [
        Job("alerts:send", 900, send_alerts),
        Job("maintenance:series", 6 * 3600, roll_series),
        Job("maintenance:prune-runs", 86400, prune_runs),
        Job("maintenance:database", 86400, optimize),
        Job("maintenance:source-alarms", 3600, source_alarms),
        Job("privacy:delete-unsubscribed", 86400, delete_unsubscribed),
    ]
    return jobs


def lease_of(app: Flask) -> joblock.Lease:
    config = app.config["FINDER"]
    return joblock.Lease(lease_s=config.JOB_LEASE_S, heartbeat_s=config.JOB_HEARTBEAT_S, retry_s=config.JOB_RETRY_S)


def last_scraped(app: Flask, slug: str) -> datetime | None:
    """When the latest successful run of source `slug` started (by the scheduler, `finder scrape` or the demo)."""
    with app.extensions["sessionmaker"]() as session:
        return session.scalar(select(func.max(ScrapeRun.started_at)).join(Source, Source.id == ScrapeRun.source_id)
                              .where(Source.slug == slug, ScrapeRun.status.in_(("ok", "partial"))))


def is_due(app: Flask, job: Job, now: datetime) -> bool:
    """Due when its last successful run (a source's, for a scrape) started one interval ago or more, no
    other process runs it, and no retry delay is pending. Reads only."""
    if job.source is not None:
        scraped = last_scraped(app, job.source)
        if scraped is not None and scraped > now - timedelta(seconds=job.interval_s):
            return False
    return joblock.is_due(app.extensions["engine"], job.key, min_interval_s=job.interval_s, now=now)


def run_job(app: Flask, job: Job, now: datetime | None = None) -> bool:
    """Run `job` if it is due and no other process holds it; True when it ran here (whatever its outcome).
    Never raises: a failure is logged with the job's key and recorded on its row (retried with backoff)."""
    now = now or utcnow()
    engine = app.extensions["engine"]
    clock = time.monotonic()
    started = False
    try:
        if job.key in joblock.held_keys() or not is_due(app, job, now):
            log.debug("job %s skipped: not due, or running elsewhere", job.key)
            return False
        with joblock.exclusive(engine, job.key, min_interval_s=job.interval_s, lease=lease_of(app), now=now) as taken:
            if taken is None:
                log.debug("job %s skipped: taken by another scheduler", job.key)
                return False
            started = True
            if taken.abandoned_by:
                _record_abandoned(app, job, taken)
            with app.app_context():
                summary = job.run(app)
    except JobFailed as error:
        log.warning("job %s failed in %.2fs: %s", job.key, time.monotonic() - clock, error)
        return True
    except Exception as error:  # one failing job must not stop the others; its failure is on its row
        if started:
            log.exception("job %s failed in %.2fs: %s", job.key, time.monotonic() - clock, error)
        else:
            log.warning("job %s not started: %s: %s", job.key, type(error).__name__, error)
        return started
    log.info("job %s ok in %.2fs: %s", job.key, time.monotonic() - clock, summary)
    return True


def run_due(app: Flask, now: datetime | None = None) -> list[str]:
    """Run every job that is due now (one pass); returns the keys run here."""
    return [job.key for job in job_table(app) if run_job(app, job, now)]


def abandon_running(app: Flask, reason: str) -> list[str]:
    """Release the leases of the jobs this process is running, each recorded as failed with `reason` (and a
    failed run for a source); returns their keys. For a scheduler that must stop before they finish."""
    keys = joblock.held_keys()
    engine = app.extensions["engine"]
    with app.extensions["sessionmaker"]() as session:
        started = dict(session.execute(select(JobRun.key, JobRun.last_started).where(JobRun.key.in_(keys))).all())
    released = joblock.abandon(engine, keys, reason)
    for key in released:
        if key.startswith("scrape:"):
            record_failed_run(app, key.removeprefix("scrape:"), started.get(key) or utcnow(), reason)
    return released


def _record_abandoned(app: Flask, job: Job, taken: joblock.Taken) -> None:
    reason = f"aborted: its scheduler ({taken.abandoned_by}) died during the run (lease expired)"
    log.warning("job %s: the run started %s by %s was %s; recorded as failed", job.key, taken.abandoned_started,
                taken.abandoned_by, "abandoned")
    if job.source is not None:
        record_failed_run(app, job.source, taken.abandoned_started or utcnow(), reason)


def record_failed_run(app: Flask, slug: str, started: datetime, error: str) -> None:
    """A failed `ScrapeRun` for `slug`, written in its own transaction (retried while the database is busy)."""
    def write() -> None:
        with app.extensions["sessionmaker"]() as session:
            source_id = session.scalar(select(Source.id).where(Source.slug == slug))
            if source_id is None:
                return
            now = utcnow()
            session.add(ScrapeRun(source_id=source_id, started_at=started, finished_at=now, status="failed",
                                  error=error[:2000], problems=[],
                                  duration_s=round(max(0.0, (now - started).total_seconds()), 3)))
            session.commit()

    with_retries(write, what=f"source {slug}: failed run record")


SOURCE_LOCK_WAIT_S = 900  # a command waits this long for another process's run of the same source


def run_source_locked(app: Flask, session, slug: str, **options) -> ScrapeRun:
    """`run_source` and commit, under the scheduler's lock on the source (`finder scrape`, `finder demo
    load`): two imports of one source never interleave, whichever processes run them. Waits for a run in
    progress elsewhere; the outcome is recorded on the job's row, so the scheduler counts it as a run."""
    run = None
    try:
        with joblock.exclusive(app.extensions["engine"], f"scrape:{slug}", min_interval_s=0, lease=lease_of(app),
                               force=True, wait_s=SOURCE_LOCK_WAIT_S) as taken:
            if taken is None:
                raise TimeoutError(f"source {slug}: still being run elsewhere after {SOURCE_LOCK_WAIT_S}s")
            run = run_and_commit(app, session, slug, **options)
            if run.status in ("failed", "empty"):
                raise JobFailed(f"source {slug}: {run.status}: {run.error}")
    except JobFailed:
        pass  # recorded on the job's row and in the run itself; the command reports it
    return run


def run_and_commit(app: Flask, session, slug: str, **options) -> ScrapeRun:
    """`run_source`, committed; when the run or its record cannot be written (the database is locked or
    down), a failed run is recorded in a fresh transaction before the error is raised."""
    from finder.runs import run_source

    started = utcnow()
    try:
        run = run_source(session, slug, **options)
        session.commit()
    except OperationalError as failure:
        session.rollback()
        record_failed_run(app, slug, started, f"not saved: {type(failure).__name__}: {failure.orig}")
        raise
    return run


def _scrape(slug: str) -> Callable[[Flask], str]:
    def scrape(app: Flask) -> str:
        from finder.geocode import get_resolver

        config = app.config["FINDER"]
        with app.extensions["sessionmaker"]() as session:
            run = run_and_commit(app, session, slug, resolver=get_resolver(config), config=config)
        if run.status in ("failed", "empty"):
            raise JobFailed(f"source {slug}: {run.status}: {run.error}")
        return (f"{run.status} items={run.items} inserted={run.inserted} updated={run.updated} "
                f"unchanged={run.unchanged} gone={run.gone}")

    return scrape


def send_alerts(app: Flask) -> str:
    from finder.alert_match import make_matcher
    from finder.geocode import get_resolver
    from finder.mailing import run_digests

    config = app.config["FINDER"]
    with app.extensions["sessionmaker"]() as session:
        built, sent = run_digests(session, config, make_matcher(get_resolver(config)))
        session.commit()
    return f"built={built.built} empty={built.empty} sent={sent.sent} retry={sent.retry} failed={sent.failed}"


def roll_series(app: Flask) -> str:
    with app.extensions["sessionmaker"]() as session:
        changed = maintenance.roll_series_forward(session, utcnow(), app.config["FINDER"].EXPANSION_DAYS)
        session.commit()
    return f"listings moved on={changed}"


def prune_runs(app: Flask) -> str:
    with app.extensions["sessionmaker"]() as session:
        removed = maintenance.prune_runs(session, utcnow())
        session.commit()
    return f"runs pruned={removed}"


def optimize(app: Flask) -> str:
    with app.extensions["sessionmaker"]() as session:
        done = maintenance.optimize_database(session)
        session.commit()
    return done


def source_alarms(app: Flask) -> str:
    from finder.mailing import send_admin_alarm

    config = app.config["FINDER"]
    with app.extensions["sessionmaker"]() as session:
        silent = maintenance.silent_sources(session)
        if silent and config.ADMIN_EMAIL:
            send_admin_alarm(session, config, [s.slug for s in silent], datetime.now(UTC))
        session.commit()
    return f"silent sources={[s.slug for s in silent]}"


def delete_unsubscribed(app: Flask) -> str:
    """Subscriber data deleted FINDER_DELETE_UNSUBSCRIBED_AFTER_DAYS after unsubscribing."""
    from finder.privacy import delete_unsubscribed as purge

    with app.extensions["sessionmaker"]() as session:
        removed = purge(session, app.config["FINDER"].DELETE_UNSUBSCRIBED_AFTER_DAYS, utcnow())
        session.commit()
    return f"unsubscribed alerts deleted={removed}"
