"""No double runs across scheduler processes, and no job stuck behind a dead one.

Every job key has a `JobRun` row. A process may start a job only by winning one atomic UPDATE that sets
a short lease, and only if the job is due: its last successful run started at least `min_interval_s`
ago and any retry delay after a failure has passed. While the job runs, a heartbeat thread renews the
lease every `heartbeat_s`; a process that dies (SIGKILL, power loss) stops renewing, and its lease
expires within `lease_s`, when another process takes the job. On PostgreSQL the run is also guarded by
a session-level advisory lock held on a dedicated connection (released by the server when the process
dies); on SQLite the lease row alone excludes others.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, select, text, update

from finder.db.retry import with_retries
from finder.db.upsert import insert_or_ignore
from finder.models import JobRun, utcnow

log = logging.getLogger(__name__)
OWNER = f"{socket.gethostname()}:{os.getpid()}"
RUNNING = "running"


class JobFailed(Exception):
    """A job ran to its end and recorded a failure of its own (a scrape run `failed` or `empty`)."""


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


def advisory_key(job_key: str) -> int:
    """A stable signed 64-bit key for pg_try_advisory_lock (not Python's salted hash())."""
    return int.from_bytes(hashlib.blake2b(job_key.encode(), digest_size=8).digest(), "big", signed=True)


def _ensure_row(engine: Engine, key: str) -> None:
    with engine.begin() as connection:
        connection.execute(insert_or_ignore(engine.dialect.name, JobRun, dict(
            key=key, owner="", runs=0, failures=0, last_status="", last_error=""), conflict=["key"]))


def try_lease(engine: Engine, key: str, *, min_interval_s: float, lease_s: float, now: datetime,
              owner: str = OWNER, force: bool = False) -> Taken | None:
    """Take the lease for `key` if it is free and the job is due (`force`: due or not, as the CLI runs it)."""
    _ensure_row(engine, key)
    with engine.begin() as connection:
        before = connection.execute(select(JobRun.owner, JobRun.last_status, JobRun.lease_until,
                                           JobRun.last_started).where(JobRun.key == key)).one()
        conditions = [JobRun.key == key, or_(JobRun.lease_until.is_(None), JobRun.lease_until < now)]
        if not force:
            conditions += [or_(JobRun.last_ok.is_(None), JobRun.last_ok <= now - timedelta(seconds=min_interval_s)),
                           or_(JobRun.retry_after.is_(None), JobRun.retry_after <= now)]
        taken = connection.execute(
            update(JobRun).where(*conditions)
            .values(owner=owner, last_started=now, lease_until=now + timedelta(seconds=lease_s),
                    runs=JobRun.runs + 1, last_status=RUNNING, last_error="")
        ).rowcount
    if taken != 1:
        return None
    if before.last_status == RUNNING and before.lease_until is not None:  # its owner died mid-run
        return Taken(key, now, abandoned_by=before.owner, abandoned_started=before.last_started)
    return Taken(key, now)


def is_due(engine: Engine, key: str, *, min_interval_s: float, now: datetime) -> bool:
    """What `try_lease` would decide, read without writing (a standby's frequent checks write nothing)."""
    with engine.connect() as connection:
        row = connection.execute(select(JobRun.lease_until, JobRun.last_ok, JobRun.retry_after)
                                 .where(JobRun.key == key)).one_or_none()
    if row is None:
        return True
    return ((row.lease_until is None or row.lease_until < now)
            and (row.last_ok is None or row.last_ok <= now - timedelta(seconds=min_interval_s))
            and (row.retry_after is None or row.retry_after <= now))


def renew(engine: Engine, key: str, *, lease_s: float, owner: str = OWNER) -> bool:
    """Extend our lease on `key` to `lease_s` from now; False when it is no longer ours."""
    with engine.begin() as connection:
        return connection.execute(
            update(JobRun).where(JobRun.key == key, JobRun.owner == owner, JobRun.last_status == RUNNING)
            .values(lease_until=utcnow() + timedelta(seconds=lease_s))
        ).rowcount == 1


def finish(engine: Engine, key: str, *, status: str, error: str, now: datetime, owner: str = OWNER,
           interval_s: float = 86400.0, retry_s: float | None = 30.0) -> None:
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


class Heartbeat:
    """Renews a lease from a daemon thread until stopped."""

    def __init__(self, engine: Engine, key: str, lease: Lease, owner: str = OWNER):
        self.engine, self.key, self.lease, self.owner = engine, key, lease, owner
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"heartbeat {key}", daemon=True)

    def start(self) -> Heartbeat:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)

    def _beat(self) -> None:
        while not self.stopped.wait(self.lease.heartbeat_s):
            try:
                if not renew(self.engine, self.key, lease_s=self.lease.lease_s, owner=self.owner):
                    log.warning("job %s: lease lost (taken over after it expired); this run's outcome is not recorded",
                                self.key)
                    return
            except Exception as error:  # a missed beat is retried at the next one; the lease has slack for it
                log.warning("job %s: lease not renewed: %s", self.key, error)


# Leases this process holds now, by job key (read on SIGTERM to abandon them).
HELD: dict[str, Heartbeat] = {}
_HELD_LOCK = threading.Lock()


def held_keys() -> list[str]:
    with _HELD_LOCK:
        return sorted(HELD)


def abandon(engine: Engine, keys: list[str], reason: str, owner: str = OWNER) -> list[str]:
    """Record our running jobs `keys` as failed with `reason` and release their leases; returns those released."""
    released = []
    for key in keys:
        with _HELD_LOCK:
            beat = HELD.pop(key, None)
        if beat is not None:
            beat.stopped.set()
        with_retries(lambda key=key: finish(engine, key, status="failed", error=reason, now=utcnow(), owner=owner,
                                            retry_s=None),
                     what=f"job {key}", attempts=3)
        released.append(key)
    return released


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
def exclusive(engine: Engine, key: str, *, min_interval_s: float, lease: Lease = Lease(),
              interval_s: float | None = None, now: datetime | None = None, force: bool = False,
              wait_s: float = 0.0) -> Iterator[Taken | None]:
    """Yields a `Taken` when this process should run job `key` now (and records the outcome when the block
    ends: failed if it raised), else None. `force` runs it even when not due; `wait_s` waits that long for
    another holder to finish (the CLI)."""
    deadline = time.monotonic() + wait_s
    while True:
        with advisory_lock(engine, key) as locked:
            taken = locked and try_lease(engine, key, min_interval_s=min_interval_s, lease_s=lease.lease_s,
                                         now=now or utcnow(), force=force)
            if taken:
                yield from _hold(engine, taken, lease, interval_s or min_interval_s)
                return
        if time.monotonic() >= deadline:
            yield None
            return
        time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))


def _hold(engine: Engine, taken: Taken, lease: Lease, interval_s: float) -> Iterator[Taken]:
    beat = Heartbeat(engine, taken.key, lease).start()
    with _HELD_LOCK:
        HELD[taken.key] = beat
    outcome, clock = ("ok", ""), time.monotonic()
    try:
        yield taken
    except BaseException as error:
        outcome = ("failed", f"{type(error).__name__}: {error}")
        raise
    finally:
        beat.stop()
        with _HELD_LOCK:
            still_ours = HELD.pop(taken.key, None) is beat  # else abandoned on SIGTERM: already recorded
        if still_ours:
            status, error = outcome
            ended = taken.started + timedelta(seconds=time.monotonic() - clock)  # on the caller's clock
            with_retries(lambda: finish(engine, taken.key, status=status, error=error, now=ended,
                                        interval_s=interval_s, retry_s=lease.retry_s), what=f"job {taken.key}")
