"""`finder scheduler`: the one process that runs jobs on their cadences (APScheduler 3).

Every job is checked every FINDER_JOB_POLL_S and runs when the database says it is due (`jobs.is_due`):
one interval after its last successful run (a source's last good run, by whichever process), after a
failure's retry delay, or when the scheduler that held it died. So a restart runs only what is due, a
standby takes a dead scheduler's job within about a lease, and cadence changes apply at the next check.
SIGTERM (what `systemctl stop` sends) lets running jobs finish for FINDER_SCHEDULER_STOP_GRACE_S, then
records the rest as failed and releases their leases.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import threading
import time
from datetime import UTC, datetime, timedelta

import click
from flask import Flask, current_app

from finder import jobs
from finder import jobs as joblock

log = logging.getLogger(__name__)
RELOAD_S = 600  # re-read the catalogue file: new, changed or disabled sources
FIRST_CHECK_SPREAD_S = 30  # the first checks after a start are spread over this much (at most one poll)


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run every job that is due now, once, then exit.")
def scheduler_command(once: bool):
    """Run scheduled scrapes, digests and upkeep (one dedicated process; safe to start several)."""
    app = current_app._get_current_object()
    quiet_apscheduler()
    sync_catalog(app)
    if once:
        ran = jobs.run_due(app)
        click.echo(f"ran {len(ran)} job(s): {', '.join(ran) or 'none due'}")
        return
    serve_forever(app)


def quiet_apscheduler() -> None:
    """APScheduler logs each job added and each execution at INFO: ours says one line per start and per run."""
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def serve_forever(app: Flask) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    stop, received = threading.Event(), []

    def on_signal(number, _frame) -> None:
        received.append(number)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    scheduler = BackgroundScheduler(timezone=UTC)
    table = JobTable(app, scheduler)
    table.refresh()
    scheduler.add_job(table.reload, "interval", seconds=RELOAD_S, id="reload", max_instances=1, coalesce=True)
    scheduler.start()
    config = app.config["FINDER"]
    log.info(
        "scheduler started: %d jobs, checked every %gs (lease %gs)",
        len(table.jobs),
        config.JOB_POLL_S,
        config.JOB_LEASE_S,
    )
    while not stop.wait(1.0):
        pass
    scheduler.shutdown(wait=False)
    name = signal.Signals(received[0]).name
    stop_running(app, name)


def stop_running(app: Flask, signal_name: str) -> None:
    """Let running jobs finish within the grace period; record the others as failed, release them, exit."""
    grace_s = app.config["FINDER"].SCHEDULER_STOP_GRACE_S
    running = joblock.held_keys()
    if running:
        log.info("scheduler stopping (%s): waiting up to %gs for %s", signal_name, grace_s, ", ".join(running))
    deadline = time.monotonic() + grace_s
    while joblock.held_keys() and time.monotonic() < deadline:
        time.sleep(0.1)
    abandoned = jobs.abandon_running(app, f"aborted: scheduler stopped ({signal_name}) before the run finished")
    if not abandoned:
        log.info("scheduler stopped (%s)", signal_name)
        return
    log.warning(
        "scheduler stopped (%s): abandoned %s, recorded as failed and released", signal_name, ", ".join(abandoned)
    )
    logging.shutdown()
    os._exit(0)  # the abandoned jobs' threads must not run on (nor hold the process open)


class JobTable:
    """The scheduler's jobs by key, as the catalogue says now; each APScheduler entry checks its job by key."""

    def __init__(self, app: Flask, scheduler):
        self.app, self.scheduler = app, scheduler
        self.jobs: dict[str, jobs.Job] = {}

    def reload(self) -> None:
        """Re-read the catalogue file (with its overlay), then refresh the jobs (kept as they are if that fails)."""
        try:
            sync_catalog(self.app)
            self.refresh()
        except Exception as error:  # a database outage: the next reload tries again
            log.warning("catalogue reload failed: %s: %s", type(error).__name__, error)

    def refresh(self) -> None:
        fresh = {job.key: job for job in jobs.job_table(self.app)}
        poll_s = self.app.config["FINDER"].JOB_POLL_S
        now = datetime.now(UTC)
        for key in set(self.jobs) - set(fresh):
            self.scheduler.remove_job(key)
            log.info("job %s removed (source disabled or gone)", key)
        for key, job in fresh.items():
            old = self.jobs.get(key)
            if old is None:
                self.scheduler.add_job(
                    self.check,
                    "interval",
                    seconds=poll_s,
                    args=[key],
                    id=key,
                    max_instances=2,
                    coalesce=True,
                    misfire_grace_time=None,
                    next_run_time=now + timedelta(seconds=random.uniform(0, min(poll_s, FIRST_CHECK_SPREAD_S))),
                )
                if self.jobs:  # not the first load: say what the catalogue added
                    log.info("job %s added (every %gs)", key, job.interval_s)
            elif old.interval_s != job.interval_s:
                log.info("job %s: cadence %gs -> %gs", key, old.interval_s, job.interval_s)
        self.jobs = fresh

    def check(self, key: str) -> None:
        job = self.jobs.get(key)
        if job is not None:
            jobs.run_job(self.app, job)


def sync_catalog(app: Flask) -> None:
    """Mirror the catalogue file into the Source table (idempotent; safe while other schedulers do the same)."""
    from finder.catalog import CatalogError, load_catalog, sync_sources
    from finder.db import with_retries

    config = app.config["FINDER"]
    try:
        specs = load_catalog(config.path(config.SOURCES_FILE))
    except (CatalogError, OSError) as error:
        log.error("source catalogue not loaded: %s", error)
        return

    def write() -> None:
        with app.extensions["sessionmaker"]() as session:
            sync_sources(session, specs)
            session.commit()

    with_retries(write, what="source catalogue")
