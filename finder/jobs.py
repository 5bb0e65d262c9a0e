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
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import select

from finder import joblock, maintenance
from finder.models import Source, utcnow

log = logging.getLogger(__name__)
EVERY = re.compile(r"^(\d+)([mhd])$")
UNIT_S = {"m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Job:
    key: str
    interval_s: float
    run: Callable[[Flask], str]  # returns a one-line summary
    lease_s: float = 3600.0


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
    jobs = [Job(f"scrape:{slug}", every_seconds(every), _scrape(slug), lease_s=1800) for slug, every in sources]
    jobs += [
        Job("alerts:send", 900, send_alerts, lease_s=1800),
        Job("maintenance:series", 6 * 3600, roll_series),
        Job("maintenance:prune-runs", 86400, prune_runs),
        Job("maintenance:database", 86400, optimize),
        Job("maintenance:source-alarms", 3600, source_alarms),
        Job("privacy:delete-unsubscribed", 86400, delete_unsubscribed),
    ]
    return jobs


def run_job(app: Flask, job: Job, now: datetime | None = None) -> bool:
    """Run `job` unless another scheduler holds it or ran it within its interval; True when it ran here."""
    engine = app.extensions["engine"]
    # A little slack so a job scheduled exactly one interval later is not refused by clock jitter.
    with joblock.exclusive(engine, job.key, min_interval_s=job.interval_s * 0.9, lease_s=job.lease_s, now=now) as mine:
        if not mine:
            log.info("job %s skipped: running or recently run elsewhere", job.key)
            return False
        clock = time.monotonic()
        with app.app_context():
            summary = job.run(app)
        log.info("job %s done in %.2fs: %s", job.key, time.monotonic() - clock, summary)
    return True


def run_due(app: Flask, now: datetime | None = None) -> list[str]:
    """Run every job that is due now (one pass); returns the keys run here."""
    ran = []
    for job in job_table(app):
        try:
            if run_job(app, job, now):
                ran.append(job.key)
        except Exception:  # one failing job must not stop the others; its failure is recorded on its row
            log.exception("job %s failed", job.key)
    return ran


def _scrape(slug: str) -> Callable[[Flask], str]:
    def scrape(app: Flask) -> str:
        from finder.geocode import get_resolver
        from finder.runs import run_source

        config = app.config["FINDER"]
        with app.extensions["sessionmaker"]() as session:
            run = run_source(session, slug, resolver=get_resolver(config), config=config)
            summary = (f"{run.status} items={run.items} inserted={run.inserted} updated={run.updated} "
                       f"unchanged={run.unchanged} gone={run.gone}")
            session.commit()
        return summary

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
