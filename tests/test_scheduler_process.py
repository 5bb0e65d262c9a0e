"""`finder scheduler` as real processes, stopped by real signals: a stopped or killed scheduler's job is
recorded as failed and taken by the next scheduler within about a lease (both databases).

Lease, heartbeat, poll and retry are shortened through their settings so each case takes seconds."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from werkzeug import Request, Response

from finder.config import Config
from finder.models import JobRun, ScrapeRun

ROOT = Path(__file__).resolve().parent.parent
FAST = {
    "FINDER_JOB_LEASE_S": "3",
    "FINDER_JOB_HEARTBEAT_S": "0.5",
    "FINDER_JOB_POLL_S": "0.5",
    "FINDER_JOB_RETRY_S": "0.5",
    "FINDER_SCHEDULER_STOP_GRACE_S": "0.5",
}


def calendar() -> bytes:
    start = (datetime.now(UTC) + timedelta(days=7)).strftime("%Y%m%dT190000Z")
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:chess-1\r\n"
        f"DTSTART:{start}\r\nSUMMARY:Chess club\r\nLOCATION:Town hall\\, Paris\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    ).encode()


class QuickStopServer(HTTPServer):
    """pytest-httpserver's server, whose serving loop looks for a stop every 0.05 s instead of 0.5 s: its stop()
    waits for that look, which was half a second of every test here."""

    def thread_target(self) -> None:
        self.server.serve_forever(poll_interval=0.05)


class SlowSource:
    """A calendar whose first request hangs until released (a job "running"); later requests answer at once."""

    def __init__(self):
        self.server = QuickStopServer(host="127.0.0.1", port=0, threaded=True)
        self.hit, self.release, self.calls = threading.Event(), threading.Event(), 0

    def handle(self, _request: Request) -> Response:
        self.calls += 1
        if self.calls == 1:
            self.hit.set()
            self.release.wait(30)
        return Response(calendar(), content_type="text/calendar")

    def __enter__(self) -> SlowSource:
        self.server.expect_request("/robots.txt").respond_with_data("", status=404)
        self.server.expect_request("/slow.ics").respond_with_handler(self.handle)
        self.server.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.release.set()
        self.server.clear()
        self.server.stop()


@pytest.fixture
def slow_source():
    with SlowSource() as source:
        yield source


@pytest.fixture
def scheduler_env(db_url, session, tmp_path, slow_source):
    catalogue = tmp_path / "sources.toml"
    catalogue.write_text(
        f'[[source]]\nslug = "slow"\nadapter = "ics"\nevery = "1d"\ntimezone = "Europe/Paris"\n'
        f'url = "{slow_source.server.url_for("/slow.ics")}"\n'
    )
    return {
        **os.environ,
        **FAST,
        "FINDER_DATABASE_URL": db_url,
        "FINDER_SECRET_KEY": "test",
        "FINDER_SOURCES_FILE": str(catalogue),
        "FINDER_FETCH_ALLOW_PRIVATE": "true",
        "FINDER_FETCH_MIN_DELAY_S": "0",
        "FINDER_RATELIMIT_ENABLED": "false",
        "FINDER_LOG_LEVEL": "INFO",
    }


def start_scheduler(env: dict, log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "finder", "scheduler"], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )


def wait_for(condition, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout_s}s: {what() if callable(what) else what}")


def job_row(session) -> JobRun | None:
    session.expire_all()
    return session.get(JobRun, "scrape:slow")


def runs(session) -> list[tuple[str, str]]:
    session.expire_all()
    return [(run.status, run.error or "") for run in session.scalars(select(ScrapeRun).order_by(ScrapeRun.id))]


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)


def test_sigterm_abandons_the_running_job_and_the_next_scheduler_takes_it_at_once(
    scheduler_env, session, slow_source, tmp_path
):
    first = start_scheduler(scheduler_env, tmp_path / "first.log")
    try:
        assert slow_source.hit.wait(30), (tmp_path / "first.log").read_text()
        clock = time.monotonic()
        first.send_signal(signal.SIGTERM)  # what `systemctl restart` sends
        assert first.wait(timeout=30) == 0
        assert (
            time.monotonic() - clock < 15
        )  # the grace period (0.5 s here), not the source's 30 s (margin for a busy machine)
    finally:
        stop(first)
    log = (tmp_path / "first.log").read_text()
    # Another job (database upkeep) may be running at the same moment; it is abandoned alongside.
    stopped = r"scheduler stopped \(SIGTERM\): abandoned (\S+, )*scrape:slow(, \S+)*, recorded as failed and released"
    assert re.search(stopped, log), log
    row = job_row(session)
    assert (row.last_status, row.lease_until) == ("failed", None)
    assert "aborted: scheduler stopped (SIGTERM)" in row.last_error
    assert runs(session) == [("failed", "aborted: scheduler stopped (SIGTERM) before the run finished")]
    slow_source.release.set()
    second = start_scheduler(scheduler_env, tmp_path / "second.log")
    try:
        clock = time.monotonic()
        wait_for(lambda: ("ok", "") in runs(session), 60, lambda: (tmp_path / "second.log").read_text())
        assert time.monotonic() - clock < 25  # not the 30-60 minutes of the old leases
    finally:
        stop(second)
    assert job_row(session).last_status == "ok"
    assert "Traceback" not in (tmp_path / "second.log").read_text()


def test_a_killed_schedulers_job_is_taken_over_by_the_standby_within_a_lease(
    scheduler_env, session, slow_source, tmp_path
):
    first = start_scheduler(scheduler_env, tmp_path / "first.log")
    standby = None
    try:
        assert slow_source.hit.wait(30), (tmp_path / "first.log").read_text()
        standby = start_scheduler(scheduler_env, tmp_path / "standby.log")
        wait_for(lambda: "scheduler started" in (tmp_path / "standby.log").read_text(), 60, "the standby's start")
        leased_until = job_row(session).lease_until  # then renewed while the standby checks (not a fixed sleep)
        wait_for(lambda: job_row(session).lease_until > leased_until, 30, "a heartbeat's renewal of the lease")
        assert job_row(session).lease_until > datetime.now(UTC)  # renewed by the heartbeat, still held
        first.kill()  # SIGKILL: no chance to say anything
        first.wait(timeout=10)
        clock = time.monotonic()
        wait_for(lambda: ("ok", "") in runs(session), 60, "the standby's run")
        taken_after_s = time.monotonic() - clock
    finally:
        stop(first)
        if standby is not None:
            stop(standby)
    assert taken_after_s < float(FAST["FINDER_JOB_LEASE_S"]) + 15
    statuses = runs(session)
    assert statuses[0][0] == "failed" and "died during the run" in statuses[0][1]
    assert statuses[1] == ("ok", "")
    log = (tmp_path / "standby.log").read_text()
    assert "job scrape:slow: the run started" in log and "recorded as failed" in log
    assert "job scrape:slow ok in" in log and "Traceback" not in log
    assert "skipped" not in log and "apscheduler" not in log  # no line per check on a standby, at INFO
    assert job_row(session).last_status == "ok"


def test_the_unit_stops_with_sigterm_and_waits_past_the_grace_period():
    unit = (ROOT / "deploy" / "kindred-scheduler.service").read_text()
    assert re.search(r"^KillSignal=SIGTERM$", unit, re.M)
    timeout_s = int(re.search(r"^TimeoutStopSec=(\d+)$", unit, re.M).group(1))
    assert timeout_s >= Config().SCHEDULER_STOP_GRACE_S + 10  # abandoning and recording take a moment too
