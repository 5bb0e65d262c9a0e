"""Scheduling: two scheduler processes never run the same job twice (both databases)."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from finder.db.engine import make_engine
from finder.jobs import leases
from finder.jobs import locks as joblock
from finder.jobs import table as jobs
from finder.models import FetchState, JobRun
from tests.conftest import fresh_postgres_schema

SCRIPT = Path(__file__).parent / "fixtures" / "jobs" / "scheduler_process.py"


def test_advisory_key_is_stable_across_processes():
    # A fixed value: the key must not change between processes, hosts or Python versions.
    assert joblock.advisory_key("scrape:portland") == -725000210311647565
    assert -(2**63) <= joblock.advisory_key("x") < 2**63
    assert joblock.advisory_key("a") != joblock.advisory_key("b")


def test_cadences():
    assert jobs.every_seconds("30m") == 1800
    assert jobs.every_seconds("6h") == 21600
    assert jobs.every_seconds("1d") == 86400
    with pytest.raises(ValueError, match="30m"):
        jobs.every_seconds("weekly")


def test_lease_refuses_a_second_start_within_the_interval(engine, session):
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    assert leases.try_lease(engine, "k", min_interval_s=600, lease_s=60, now=now, owner="a")
    assert not leases.try_lease(engine, "k", min_interval_s=600, lease_s=60, now=now, owner="b")  # leased
    leases.finish(engine, "k", status="ok", error="", now=now + timedelta(seconds=5), owner="a")
    assert not leases.try_lease(
        engine, "k", min_interval_s=600, lease_s=60, now=now + timedelta(seconds=10), owner="b"
    )  # ran recently
    assert leases.try_lease(engine, "k", min_interval_s=600, lease_s=60, now=now + timedelta(seconds=601), owner="b")
    row = session.get(JobRun, "k")
    assert (row.owner, row.runs) == ("b", 2)


def test_an_expired_lease_can_be_taken_over(engine, session):
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    assert leases.try_lease(engine, "crashy", min_interval_s=0, lease_s=60, now=now, owner="dead")
    assert not leases.try_lease(engine, "crashy", min_interval_s=0, lease_s=60, now=now + timedelta(seconds=30))
    assert leases.try_lease(engine, "crashy", min_interval_s=0, lease_s=60, now=now + timedelta(seconds=61))


def test_two_scheduler_processes_run_a_job_once(db_url, engine, session):
    start_at = time.time() + 2.0
    procs = [
        subprocess.Popen(
            [sys.executable, str(SCRIPT), db_url, str(start_at), "test:once"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).parent.parent,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err[-2000:] for _, err in outputs]
    verdicts = sorted(out.strip() for out, _ in outputs)
    assert verdicts == ["ran", "skipped"]
    ran = session.scalars(select(FetchState.key).where(FetchState.key.like("ran:test:once:%"))).all()
    assert len(ran) == 1
    row = session.get(JobRun, "test:once")
    assert row.last_status == "ok" and row.runs == 1


def test_postgres_advisory_lock_excludes_a_second_holder(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; SQLite relies on the lease row (tested above)")
    with joblock.advisory_lock(engine, "pg:job") as first:
        with joblock.advisory_lock(engine, "pg:job") as second:
            assert first is True and second is False
    with joblock.advisory_lock(engine, "pg:job") as again:
        assert again is True


def test_postgres_advisory_locks_of_two_schemas_in_one_database_do_not_collide(engine, db_url):
    """Two sites (or test workers) in schemas of their own in one database each run their own jobs."""
    if engine.dialect.name != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; SQLite relies on the lease row (tested above)")
    other_url, drop = fresh_postgres_schema(db_url)
    other = make_engine(other_url)
    try:
        with joblock.advisory_lock(engine, "pg:shared") as here, joblock.advisory_lock(other, "pg:shared") as there:
            assert here is True and there is True
    finally:
        other.dispose()
        drop()
