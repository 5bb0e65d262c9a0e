"""`finder scheduler`: the one process that runs jobs on their cadences (APScheduler 3)."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta

import click
from flask import current_app

from finder import jobs

log = logging.getLogger(__name__)
RELOAD_S = 600  # pick up catalogue changes (new or disabled sources)
FIRST_RUN_SPREAD_S = 30


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run every job that is due now, once, then exit.")
def scheduler_command(once: bool):
    """Run scheduled scrapes, digests and upkeep (one dedicated process; safe to start several)."""
    app = current_app._get_current_object()
    _sync_catalog(app)
    if once:
        ran = jobs.run_due(app)
        click.echo(f"ran {len(ran)} job(s): {', '.join(ran) or 'none due'}")
        return
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(timezone=UTC)
    schedule_all(scheduler, app)
    scheduler.add_job(schedule_all, "interval", seconds=RELOAD_S, args=[scheduler, app], id="reload",
                      max_instances=1, coalesce=True)
    click.echo("scheduler started (Ctrl-C to stop)")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=False)


def schedule_all(scheduler, app) -> None:
    """(Re)register one APScheduler job per job-table entry, keeping existing schedules."""
    table = {job.key: job for job in jobs.job_table(app)}
    for existing in scheduler.get_jobs():
        if existing.id != "reload" and existing.id not in table:
            existing.remove()
    now = datetime.now(UTC)
    for key, job in table.items():
        if scheduler.get_job(key):
            continue
        scheduler.add_job(
            jobs.run_job, "interval", seconds=job.interval_s, args=[app, job], id=key,
            jitter=min(300, job.interval_s * 0.05), max_instances=1, coalesce=True,
            misfire_grace_time=None,  # late runs still run (once, coalesced), never silently dropped
            next_run_time=now + timedelta(seconds=random.uniform(1, FIRST_RUN_SPREAD_S)),
        )


def _sync_catalog(app) -> None:
    from finder.catalog import CatalogError, load_catalog, sync_sources

    config = app.config["FINDER"]
    try:
        specs = load_catalog(config.path(config.SOURCES_FILE))
    except (CatalogError, OSError) as error:
        log.error("source catalogue not loaded: %s", error)
        return
    with app.extensions["sessionmaker"]() as session:
        sync_sources(session, specs)
        session.commit()
