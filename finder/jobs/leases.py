"""A job's lease row: `Lease` settings; taking the lease when free and due, renewing it, releasing it with
the outcome."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, select, update

from finder.db import insert_or_ignore
from finder.models import JobRun, utcnow

OWNER = f"{socket.gethostname()}:{os.getpid()}"
RUNNING = "running"


@dataclass(frozen=True)
class Lease:
    """How a job holds its lock: lease length, renewal period, first retry delay after a failure."""

    lease_s: float = 45.0
    heartbeat_s: float = 10.0
    retry_s: float = 30.0

    @classmethod
    def from_config(cls, config) -> Lease:
        """FINDER_JOB_LEASE_S, FINDER_JOB_HEARTBEAT_S and FINDER_JOB_RETRY_S."""
        return cls(lease_s=config.JOB_LEASE_S, heartbeat_s=config.JOB_HEARTBEAT_S, retry_s=config.JOB_RETRY_S)


@dataclass(frozen=True)
class Taken:
    """A lease won: when the run started, and the owner of an earlier run that died holding it (if any)."""

    key: str
    started: datetime
    abandoned_by: str | None = None
    abandoned_started: datetime | None = None


def _ensure_row(engine: Engine, key: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert_or_ignore(
                engine.dialect.name,
                JobRun,
                dict(key=key, owner="", runs=0, failures=0, last_status="", last_error=""),
                conflict=["key"],
            )
        )


def try_lease(
    engine: Engine,
    key: str,
    *,
    min_interval_s: float,
    lease_s: float,
    now: datetime,
    owner: str = OWNER,
    force: bool = False,
) -> Taken | None:
    """Take the lease for `key` if it is free and the job is due (`force`: due or not, as the CLI runs it)."""
    _ensure_row(engine, key)
    with engine.begin() as connection:
        before = connection.execute(
            select(JobRun.owner, JobRun.last_status, JobRun.lease_until, JobRun.last_started).where(JobRun.key == key)
        ).one()
        conditions = [JobRun.key == key, or_(JobRun.lease_until.is_(None), JobRun.lease_until < now)]
        if not force:
            conditions += [
                or_(JobRun.last_ok.is_(None), JobRun.last_ok <= now - timedelta(seconds=min_interval_s)),
                or_(JobRun.retry_after.is_(None), JobRun.retry_after <= now),
            ]
        taken = connection.execute(
            update(JobRun)
            .where(*conditions)
            .values(
                owner=owner,
                last_started=now,
                lease_until=now + timedelta(seconds=lease_s),
                runs=JobRun.runs + 1,
                last_status=RUNNING,
                last_error="",
            )
        ).rowcount
    if taken != 1:
        return None
    if before.last_status == RUNNING and before.lease_until is not None:  # its owner died mid-run
        return Taken(key, now, abandoned_by=before.owner, abandoned_started=before.last_started)
    return Taken(key, now)


def is_due(engine: Engine, key: str, *, min_interval_s: float, now: datetime) -> bool:
    """What `try_lease` would decide, read without writing (a standby's frequent checks write nothing)."""
    with engine.connect() as connection:
        row = connection.execute(
            select(JobRun.lease_until, JobRun.last_ok, JobRun.retry_after).where(JobRun.key == key)
        ).one_or_none()
    if row is None:
        return True
    return (
        (row.lease_until is None or row.lease_until < now)
        and (row.last_ok is None or row.last_ok <= now - timedelta(seconds=min_interval_s))
        and (row.retry_after is None or row.retry_after <= now)
    )


def renew(engine: Engine, key: str, *, lease_s: float, owner: str = OWNER) -> bool:
    """Extend our lease on `key` to `lease_s` from now; False when it is no longer ours."""
    with engine.begin() as connection:
        return (
            connection.execute(
                update(JobRun)
                .where(JobRun.key == key, JobRun.owner == owner, JobRun.last_status == RUNNING)
                .values(lease_until=utcnow() + timedelta(seconds=lease_s))
            ).rowcount
            == 1
        )


def finish(
    engine: Engine,
    key: str,
    *,
    status: str,
    error: str,
    now: datetime,
    owner: str = OWNER,
    interval_s: float = 86400.0,
    retry_s: float | None = 30.0,
) -> None:
    """Release our lease on `key` with the run's outcome. After `ok` the job is next due one interval after
    this run started; after a failure it may be retried after `retry_s`, doubling with each consecutive
    failure, never later than a quarter of its interval (an outage does not push a daily job back a day);
    `retry_s=None`: at once (a run abandoned by a stopping scheduler did not fail by itself)."""
    with engine.begin() as connection:
        failures = connection.scalar(select(JobRun.failures).where(JobRun.key == key, JobRun.owner == owner))
        if failures is None:
            return  # another process took the job over after our lease expired; its record stands
        values = dict(last_finished=now, lease_until=None, last_status=status, last_error=error[:2000])
        if status == "ok":
            values.update(last_ok=JobRun.last_started, failures=0, retry_after=None)
        else:
            delay_s = 0.0 if retry_s is None else min(retry_s * 2 ** min(failures, 20), max(retry_s, interval_s / 4))
            values.update(failures=failures + 1, retry_after=now + timedelta(seconds=delay_s))
        connection.execute(update(JobRun).where(JobRun.key == key, JobRun.owner == owner).values(**values))
