"""The scheduler's job table. Every job calls the same functions as the CLI, under a cross-process lock.

A job is due one interval after its last successful run (for a scrape, the source's last good run by any
process), or after a failure's retry delay; `finder scheduler` checks every job often and runs what is due
(one dedicated process, never inside web workers); `finder scheduler --once` runs what is due once and exits.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select

from finder import index, ingest
from finder.db import with_retries
from finder.jobs import leases
from finder.jobs import locks as joblock
from finder.jobs import scrape as scrape_jobs
from finder.models import JobRun, Source, utcnow

log = logging.getLogger(__name__)
EVERY = re.compile(r"^(\d+)([mhd])$")
UNIT_S = {"m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Job:
    key: str
    interval_s: float
    run: Callable[[Flask], str]  # returns a one-line summary; raises (joblock.JobFailed or anything) when it failed
    source: str | None = None  # the source slug of a scrape job


def every_seconds(every: str) -> float:
    match = EVERY.match(every or "")
    if not match:
        raise ValueError(f"cadence must look like 30m, 6h or 1d, not {every!r}")
    return int(match.group(1)) * UNIT_S[match.group(2)]


def job_table(app: Flask) -> list[Job]:
    """Every job with its cadence: one per enabled source, plus alerts and upkeep."""
    with app.extensions["sessionmaker"]() as session:
        sources = session.execute(
            select(Source.slug, Source.every).where(Source.enabled.is_(True)).order_by(Source.slug)
        ).all()
    jobs = [
        Job(f"scrape:{slug}", every_seconds(every), scrape_jobs.scrape_job(slug), source=slug)
        for slug, every in sources
    ]
    jobs += [
        Job("alerts:send", 900, send_alerts),
        Job("maintenance:series", 6 * 3600, roll_series),
        Job("maintenance:prune-runs", 86400, prune_runs),
        Job("maintenance:database", 86400, optimize),
        Job("maintenance:source-alarms", 3600, source_alarms),
        Job("privacy:delete-unsubscribed", 86400, delete_unsubscribed),
    ]
    return jobs


def is_due(app: Flask, job: Job, now: datetime) -> bool:
    """Due when its last successful run (a source's, for a scrape) started one interval ago or more, no
    other process runs it, and no retry delay is pending. Reads only."""
    if job.source is not None:
        scraped = scrape_jobs.last_scraped(app, job.source)
        if scraped is not None and scraped > now - timedelta(seconds=job.interval_s):
            return False
    return leases.is_due(app.extensions["engine"], job.key, min_interval_s=job.interval_s, now=now)


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
        with joblock.exclusive(
            engine,
            job.key,
            min_interval_s=job.interval_s,
            lease=leases.Lease.from_config(app.config["FINDER"]),
            now=now,
        ) as taken:
            if taken is None:
                log.debug("job %s skipped: taken by another scheduler", job.key)
                return False
            started = True
            if taken.abandoned_by:
                _record_abandoned(app, job, taken)
            with app.app_context():
                summary = job.run(app)
    except joblock.JobFailed as error:
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
            scrape_jobs.record_failed_run(app, key.removeprefix("scrape:"), started.get(key) or utcnow(), reason)
    return released


def _record_abandoned(app: Flask, job: Job, taken: leases.Taken) -> None:
    """The run a dead scheduler left behind (its lease expired), recorded as failed."""
    reason = f"aborted: its scheduler ({taken.abandoned_by}) died during the run (lease expired)"
    log.warning(
        "job %s: the run started %s by %s was abandoned; recorded as failed",
        job.key,
        taken.abandoned_started,
        taken.abandoned_by,
    )
    if job.source is not None:
        scrape_jobs.record_failed_run(app, job.source, taken.abandoned_started or utcnow(), reason)


def send_alerts(app: Flask) -> str:
    from finder.alerts import make_matcher, run_digests
    from finder.web import place_resolver, render_in_alert_locale

    config = app.config["FINDER"]
    with app.extensions["sessionmaker"]() as session:
        built, sent = run_digests(session, config, make_matcher(place_resolver(app)), render_in_alert_locale)
        session.commit()
    return (
        f"built={built.built} empty={built.empty} digest_failed={built.failed} "
        f"sent={sent.sent} retry={sent.retry} failed={sent.failed}"
    )


def roll_series(app: Flask) -> str:
    """Series rolled forward, then the index rows of listings long over removed (`index.prune_ended`)."""
    now = utcnow()
    with app.extensions["sessionmaker"]() as session:
        changed = ingest.roll_series_forward(session, now, app.config["FINDER"].EXPANSION_DAYS)
        pruned = index.prune_ended(session, now)
        session.commit()
    return f"listings moved on={changed} index rows of ended listings removed={pruned}"


def prune_runs(app: Flask) -> str:
    with app.extensions["sessionmaker"]() as session:
        removed = ingest.prune_runs(session, utcnow())
        session.commit()
    return f"runs pruned={removed}"


def optimize(app: Flask) -> str:
    def run() -> str:
        with app.extensions["sessionmaker"]() as session:
            done = ingest.optimize_database(session)
            session.commit()
        return done

    # SQLite's PRAGMA optimize reads, then writes (ANALYZE) in one statement outside a transaction: another
    # process's commit in between fails it at once with "database is locked", whatever the busy timeout (seen
    # beside a scrape's commit). A fresh attempt reads the new snapshot.
    return with_retries(run, what="database upkeep")


def source_alarms(app: Flask) -> str:
    from finder.alerts import send_admin_alarm

    config = app.config["FINDER"]
    with app.extensions["sessionmaker"]() as session:
        silent = ingest.silent_sources(session)
        if silent and config.ADMIN_EMAIL:
            send_admin_alarm(session, config, [s.slug for s in silent], datetime.now(UTC))
        session.commit()
    return f"silent sources={[s.slug for s in silent]}"


def delete_unsubscribed(app: Flask) -> str:
    """Subscriber data deleted FINDER_DELETE_UNSUBSCRIBED_AFTER_DAYS after unsubscribing."""
    from finder.trust import delete_unsubscribed as purge

    with app.extensions["sessionmaker"]() as session:
        removed = purge(session, app.config["FINDER"].DELETE_UNSUBSCRIBED_AFTER_DAYS, utcnow())
        session.commit()
    return f"unsubscribed alerts deleted={removed}"
