"""Scrape jobs: a source's run under the scheduler's per-source lock, its failure always recorded.

The scheduler (`finder.jobs.table`), `finder scrape` and `finder demo load` all run sources through here, so the
same lock keeps two imports of one source from interleaving and every outcome lands on the job's row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from finder.db import with_retries
from finder.jobs import leases
from finder.jobs import locks as joblock
from finder.models import ScrapeRun, Source, utcnow


def last_scraped(app: Flask, slug: str) -> datetime | None:
    """When the latest successful run of source `slug` started (by the scheduler, `finder scrape` or the demo)."""
    with app.extensions["sessionmaker"]() as session:
        return session.scalar(
            select(func.max(ScrapeRun.started_at))
            .join(Source, Source.id == ScrapeRun.source_id)
            .where(Source.slug == slug, ScrapeRun.status.in_(("ok", "partial")))
        )


def record_failed_run(app: Flask, slug: str, started: datetime, error: str) -> None:
    """A failed `ScrapeRun` for `slug`, written in its own transaction (retried while the database is busy)."""

    def write() -> None:
        with app.extensions["sessionmaker"]() as session:
            source_id = session.scalar(select(Source.id).where(Source.slug == slug))
            if source_id is None:
                return
            now = utcnow()
            session.add(
                ScrapeRun(
                    source_id=source_id,
                    started_at=started,
                    finished_at=now,
                    status="failed",
                    error=error[:2000],
                    problems=[],
                    duration_s=round(max(0.0, (now - started).total_seconds()), 3),
                )
            )
            session.commit()

    with_retries(write, what=f"source {slug}: failed run record")


SOURCE_LOCK_WAIT_S = 900  # a command waits this long for another process's run of the same source


def run_source_locked(app: Flask, session, slug: str, **options) -> ScrapeRun:
    """`run_source` and commit, under the scheduler's lock on the source (`finder scrape`, `finder demo
    load`): two imports of one source never interleave, whichever processes run them. Waits for a run in
    progress elsewhere; the outcome is recorded on the job's row, so the scheduler counts it as a run."""
    run = None
    try:
        with joblock.exclusive(
            app.extensions["engine"],
            f"scrape:{slug}",
            min_interval_s=0,
            lease=leases.Lease.from_config(app.config["FINDER"]),
            force=True,
            wait_s=SOURCE_LOCK_WAIT_S,
        ) as taken:
            if taken is None:
                raise TimeoutError(f"source {slug}: still being run elsewhere after {SOURCE_LOCK_WAIT_S}s")
            run = run_and_commit(app, session, slug, **options)
            if run.status in ("failed", "empty"):
                raise joblock.JobFailed(f"source {slug}: {run.status}: {run.error}")
    except joblock.JobFailed:
        pass  # recorded on the job's row and in the run itself; the command reports it
    return run


def run_and_commit(app: Flask, session, slug: str, **options) -> ScrapeRun:
    """`run_source`, committed; when the run or its record cannot be written (the database is locked or
    down), a failed run is recorded in a fresh transaction before the error is raised."""
    from finder.ingest import run_source

    started = utcnow()
    try:
        run = run_source(session, slug, **options)
        session.commit()
    except OperationalError as failure:
        session.rollback()
        record_failed_run(app, slug, started, f"not saved: {type(failure).__name__}: {failure.orig}")
        raise
    return run


def scrape_job(slug: str) -> Callable[[Flask], str]:
    """The scheduler's job for source `slug`: one run, committed; raises JobFailed when the run failed."""

    def scrape(app: Flask) -> str:
        from finder.geo import get_resolver

        config = app.config["FINDER"]
        with app.extensions["sessionmaker"]() as session:
            run = run_and_commit(app, session, slug, resolver=get_resolver(config), config=config)
        if run.status in ("failed", "empty"):
            raise joblock.JobFailed(f"source {slug}: {run.status}: {run.error}")
        return (
            f"{run.status} items={run.items} inserted={run.inserted} updated={run.updated} "
            f"unchanged={run.unchanged} gone={run.gone}"
        )

    return scrape
