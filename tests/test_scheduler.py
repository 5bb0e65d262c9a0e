"""The scheduler's decisions, on both databases: due by the last successful run, retried with backoff
inside the interval, catalogue reloads applied to running schedules, catalogue syncs that never collide."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from finder.catalog.sources import load_catalog, sync_sources
from finder.cli.scheduler import JobTable
from finder.db.engine import make_sessionmaker
from finder.jobs import leases
from finder.jobs import scrape as scrape_jobs
from finder.jobs import table as jobs
from finder.models import JobRun, ScrapeRun, Source, utcnow


def outage() -> OperationalError:
    return OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))


def test_a_failed_job_is_retried_with_backoff_inside_its_interval(app, session):
    """Attempts failed during a 50 s database outage used to push a daily job back a whole day."""
    calls = []

    def flaky(_app) -> str:
        calls.append(len(calls))
        if len(calls) <= 2:
            raise outage()
        return "done"

    job, start = jobs.Job("test:daily", 86400, flaky), utcnow()
    assert jobs.run_job(app, job, now=start)  # fails: retry after 30 s
    row = session.get(JobRun, "test:daily")
    assert (row.last_status, row.failures, row.lease_until) == ("failed", 1, None)
    assert "server closed the connection" in row.last_error
    assert not jobs.run_job(app, job, now=start + timedelta(seconds=20))
    assert jobs.run_job(app, job, now=start + timedelta(seconds=31))  # fails again: retry after 60 s more
    assert not jobs.run_job(app, job, now=start + timedelta(seconds=80))
    assert jobs.run_job(app, job, now=start + timedelta(seconds=92))  # the database is back
    session.expire_all()
    row = session.get(JobRun, "test:daily")
    assert (row.last_status, row.failures, row.retry_after) == ("ok", 0, None)
    assert len(calls) == 3
    assert not jobs.run_job(app, job, now=start + timedelta(hours=12))  # next due one day after the success
    assert jobs.run_job(app, job, now=start + timedelta(days=1, seconds=93))


def test_retry_delays_double_but_stay_inside_a_quarter_interval(engine, session):
    now = utcnow()
    delays = []
    for attempt in range(6):
        taken = leases.try_lease(engine, "hourly", min_interval_s=3600, lease_s=60, now=now)
        assert taken, attempt
        leases.finish(engine, "hourly", status="failed", error="x", now=now, interval_s=3600, retry_s=30)
        session.expire_all()
        row = session.get(JobRun, "hourly")
        delays.append((row.retry_after - now).total_seconds())
        now = row.retry_after
    assert delays == [30, 60, 120, 240, 480, 900]  # capped at a quarter of the hour


def test_a_scrape_is_due_by_its_sources_last_successful_run(app, session):
    """A restart must not re-scrape a source imported a minute earlier (by the CLI, the demo or a scheduler)."""
    ran = []
    source = Source(slug="club", adapter="ics", url="https://club.example/feed.ics", every="1d")
    session.add(source)
    session.commit()
    job = jobs.Job("scrape:club", 86400, lambda _app: ran.append(1) or "ok", source="club")
    now = utcnow()
    session.add(ScrapeRun(source_id=source.id, started_at=now - timedelta(hours=1), status="ok", problems=[]))
    session.add(ScrapeRun(source_id=source.id, started_at=now - timedelta(minutes=5), status="failed", problems=[]))
    session.commit()
    assert not jobs.run_job(app, job, now=now) and ran == []
    assert jobs.run_job(app, job, now=now + timedelta(hours=23, minutes=1)) and ran == [1]
    assert not jobs.run_job(app, job, now=now + timedelta(hours=23, minutes=2))


def test_a_lease_is_renewed_while_the_job_runs_and_released_after(app, session):
    app.config["FINDER"].JOB_LEASE_S, app.config["FINDER"].JOB_HEARTBEAT_S = 2.0, 0.2
    seen = []

    def slow(_app) -> str:
        time.sleep(1.0)
        with make_sessionmaker(app.extensions["engine"])() as other:
            seen.append(other.get(JobRun, "test:slow").lease_until)
        time.sleep(1.5)
        return "ok"

    start = utcnow()
    assert jobs.run_job(app, jobs.Job("test:slow", 3600, slow), now=start)
    assert seen[0] > start + timedelta(seconds=2.5)  # renewed past the first lease's end
    session.expire_all()
    row = session.get(JobRun, "test:slow")
    assert (row.last_status, row.lease_until) == ("ok", None)


def write_catalogue(path, every: str, extra: str = "") -> None:
    path.write_text(
        f'[[source]]\nslug = "chess"\nadapter = "ics"\nurl = "https://chess.example/c.ics"\nevery = "{every}"\n{extra}'
    )


def test_the_periodic_reload_reads_the_catalogue_file_and_applies_cadences_and_overlay_sources(app, tmp_path):
    catalogue = tmp_path / "sources.toml"
    write_catalogue(catalogue, "1d")
    app.config["FINDER"].SOURCES_FILE = str(catalogue)
    scheduler = BackgroundScheduler()
    table = JobTable(app, scheduler)
    table.reload()
    assert table.jobs["scrape:chess"].interval_s == 86400
    write_catalogue(catalogue, "6h")
    (tmp_path / "sources.local.toml").write_text(
        '[[source]]\nslug = "choir"\nadapter = "ics"\nurl = "https://choir.example/c.ics"\nevery = "30m"\n'
    )
    table.reload()
    assert table.jobs["scrape:chess"].interval_s == 6 * 3600
    assert table.jobs["scrape:choir"].interval_s == 1800
    assert scheduler.get_job("scrape:choir") is not None
    (tmp_path / "sources.local.toml").write_text(
        '[[source]]\nslug = "choir"\nadapter = "ics"\nurl = "https://choir.example/c.ics"\nenabled = false\n'
    )
    table.reload()
    assert "scrape:choir" not in table.jobs and scheduler.get_job("scrape:choir") is None


def test_two_catalogue_syncs_at_once_never_collide(engine, session, tmp_path):
    """Two schedulers starting together crashed on uq_sources_slug."""
    catalogue = tmp_path / "sources.toml"
    write_catalogue(
        catalogue, "1d", extra='\n[[source]]\nslug = "choir"\nadapter = "ics"\nurl = "https://c.example/"\n'
    )
    specs = load_catalog(catalogue)
    maker, first_added, errors = make_sessionmaker(engine), threading.Event(), []

    def first() -> None:
        with maker() as mine:
            sync_sources(mine, specs)  # inserted, not yet committed
            first_added.set()
            time.sleep(0.5)
            mine.commit()

    def second() -> None:
        first_added.wait(5)
        try:
            with maker() as mine:
                sync_sources(mine, specs)  # waits for the first, then finds its rows
                mine.commit()
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert session.scalar(select(func.count()).select_from(Source)) == 2


def scrape_job(session, httpserver, slug: str = "club") -> jobs.Job:
    session.add(Source(slug=slug, adapter="ics", url=httpserver.url_for(f"/{slug}.ics"), every="1d"))
    session.commit()
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    return jobs.Job(f"scrape:{slug}", 86400, scrape_jobs.scrape_job(slug), source=slug)


def test_a_failed_scrape_is_failed_on_its_job_row_too(app, session, httpserver):
    """job_runs said `ok` for a scrape whose run failed, and the job waited a whole interval."""
    job = scrape_job(session, httpserver)
    httpserver.expect_request("/club.ics").respond_with_data("down", status=500)
    assert jobs.run_job(app, job)
    session.expire_all()
    row = session.get(JobRun, "scrape:club")
    assert (row.last_status, row.failures) == ("failed", 1) and "500" in row.last_error
    assert row.retry_after < utcnow() + timedelta(minutes=1)
    assert session.scalars(select(ScrapeRun.status)).all() == ["failed"]


def test_database_upkeep_tries_again_when_sqlite_says_locked(app, session, monkeypatch, caplog):
    """PRAGMA optimize failed at once with "database is locked" when a scrape committed beside it (a traceback
    in a scheduler's log, seen in CI): the job tries again on a fresh snapshot and is recorded ok."""
    from finder import ingest

    real, calls = ingest.optimize_database, []

    def locked_once(database_session):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("PRAGMA optimize", {}, Exception("database is locked"))
        return real(database_session)

    monkeypatch.setattr(ingest, "optimize_database", locked_once)
    job = next(job for job in jobs.job_table(app) if job.key == "maintenance:database")
    assert jobs.run_job(app, job)
    session.expire_all()
    assert session.get(JobRun, "maintenance:database").last_status == "ok" and len(calls) == 2
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.levelname == "ERROR"]


def test_a_run_whose_commit_fails_still_leaves_a_failed_record(app, session, httpserver, monkeypatch):
    """ "database is locked" on the run's commit lost the run's record, so /status still said ok."""
    from sqlalchemy.orm import Session

    job = scrape_job(session, httpserver)
    httpserver.expect_request("/club.ics").respond_with_data(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", content_type="text/calendar"
    )
    real_commit, failed = Session.commit, []

    def commit_once_locked(self):
        if not failed:
            failed.append(1)
            raise OperationalError("COMMIT", {}, Exception("database is locked"))
        return real_commit(self)

    monkeypatch.setattr(Session, "commit", commit_once_locked)
    assert jobs.run_job(app, job)
    monkeypatch.undo()
    session.expire_all()
    run = session.scalars(select(ScrapeRun)).one()
    assert run.status == "failed" and "not saved" in run.error and "database is locked" in run.error
    row = session.get(JobRun, "scrape:club")
    assert row.last_status == "failed" and "database is locked" in row.last_error
