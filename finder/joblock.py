"""No double runs across scheduler processes.

Every job key has a `JobRun` row. A scheduler may start a job only by winning one atomic UPDATE that
sets a lease, and only if nobody started it within its interval. On PostgreSQL the run is also
guarded by a session-level advisory lock held on a dedicated connection for the job's whole
duration (independent of the job's own commits); on SQLite the lease row alone excludes others.
"""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import Engine, insert, or_, text, update
from sqlalchemy.exc import IntegrityError

from finder.models import JobRun, utcnow

OWNER = f"{socket.gethostname()}:{os.getpid()}"


def advisory_key(job_key: str) -> int:
    """A stable signed 64-bit key for pg_try_advisory_lock (not Python's salted hash())."""
    return int.from_bytes(hashlib.blake2b(job_key.encode(), digest_size=8).digest(), "big", signed=True)


def _ensure_row(engine: Engine, key: str) -> None:
    try:
        with engine.begin() as connection:
            connection.execute(insert(JobRun).values(key=key, owner="", runs=0, last_status="", last_error=""))
    except IntegrityError:
        pass  # another scheduler created it first: exactly what we wanted


def try_lease(engine: Engine, key: str, *, min_interval_s: float, lease_s: float, now: datetime,
              owner: str = OWNER) -> bool:
    """Take the lease for `key` if it is free and the job was not started within `min_interval_s`."""
    _ensure_row(engine, key)
    with engine.begin() as connection:
        taken = connection.execute(
            update(JobRun)
            .where(JobRun.key == key,
                   or_(JobRun.lease_until.is_(None), JobRun.lease_until < now),
                   or_(JobRun.last_started.is_(None), JobRun.last_started <= now - timedelta(seconds=min_interval_s)))
            .values(owner=owner, last_started=now, lease_until=now + timedelta(seconds=lease_s), runs=JobRun.runs + 1)
        ).rowcount
    return taken == 1


def finish(engine: Engine, key: str, *, status: str, error: str, now: datetime, owner: str = OWNER) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(JobRun).where(JobRun.key == key, JobRun.owner == owner)
            .values(last_finished=now, lease_until=None, last_status=status, last_error=error[:2000])
        )


@contextmanager
def advisory_lock(engine: Engine, key: str) -> Iterator[bool]:
    """On PostgreSQL, hold pg_try_advisory_lock for `key` on its own connection; yields whether it was won.
    Elsewhere yields True (the lease row is the lock)."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect() as connection:
        won = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": advisory_key(key)}).scalar()
        connection.commit()
        try:
            yield bool(won)
        finally:
            if won:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": advisory_key(key)})
                connection.commit()


@contextmanager
def exclusive(engine: Engine, key: str, *, min_interval_s: float, lease_s: float,
              now: datetime | None = None) -> Iterator[bool]:
    """Yields True when this process should run job `key` now (and records the outcome), else False."""
    now = now or utcnow()
    with advisory_lock(engine, key) as locked:
        if not locked or not try_lease(engine, key, min_interval_s=min_interval_s, lease_s=lease_s, now=now):
            yield False
            return
        try:
            yield True
        except Exception as error:
            finish(engine, key, status="failed", error=f"{type(error).__name__}: {error}", now=utcnow())
            raise
        finish(engine, key, status="ok", error="", now=utcnow())
