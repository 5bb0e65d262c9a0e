"""No double runs across scheduler processes, and no job stuck behind a dead one.

Every job key has a `JobRun` row. A process may start a job only by winning one atomic UPDATE that sets
a short lease, and only if the job is due: its last successful run started at least `min_interval_s`
ago and any retry delay after a failure has passed. While the job runs, a heartbeat thread renews the
lease every `heartbeat_s`; a process that dies (SIGKILL, power loss) stops renewing, and its lease
expires within `lease_s`, when another process takes the job. On PostgreSQL the run is also guarded by
a session-level advisory lock held on a dedicated connection (released by the server when the process
dies); on SQLite the lease row alone excludes others. The lease row itself: `finder/jobs/leases.py`.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import Engine, text

from finder.db import with_retries
from finder.jobs.leases import OWNER, Lease, Taken, finish, renew, try_lease
from finder.models import utcnow

log = logging.getLogger(__name__)


class JobFailed(Exception):
    """A job ran to its end and recorded a failure of its own (a scrape run `failed` or `empty`)."""


def advisory_key(job_key: str) -> int:
    """A stable signed 64-bit key for pg_try_advisory_lock (not Python's salted hash())."""
    return int.from_bytes(hashlib.blake2b(job_key.encode(), digest_size=8).digest(), "big", signed=True)


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
                    log.warning(
                        "job %s: lease lost (taken over after it expired); this run's outcome is not recorded", self.key
                    )
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
        with_retries(
            lambda key=key: finish(engine, key, status="failed", error=reason, now=utcnow(), owner=owner, retry_s=None),
            what=f"job {key}",
            attempts=3,
        )
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
        # advisory locks are the whole database's: the schema in the key keeps sites (or test workers) that share a
        # database in schemas of their own from taking each other's jobs
        lock = {"k": advisory_key(f"{connection.execute(text('SELECT current_schema()')).scalar()}/{key}")}
        won = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), lock).scalar()
        connection.commit()
        try:
            yield bool(won)
        finally:
            if won:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), lock)
                connection.commit()


@contextmanager
def exclusive(
    engine: Engine,
    key: str,
    *,
    min_interval_s: float,
    lease: Lease = Lease(),
    interval_s: float | None = None,
    now: datetime | None = None,
    force: bool = False,
    wait_s: float = 0.0,
) -> Iterator[Taken | None]:
    """Yields a `Taken` when this process should run job `key` now (and records the outcome when the block
    ends: failed if it raised), else None. `force` runs it even when not due; `wait_s` waits that long for
    another holder to finish (the CLI)."""
    deadline = time.monotonic() + wait_s
    while True:
        with advisory_lock(engine, key) as locked:
            taken = locked and try_lease(
                engine, key, min_interval_s=min_interval_s, lease_s=lease.lease_s, now=now or utcnow(), force=force
            )
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
            with_retries(
                lambda: finish(
                    engine,
                    taken.key,
                    status=status,
                    error=error,
                    now=ended,
                    interval_s=interval_s,
                    retry_s=lease.retry_s,
                ),
                what=f"job {taken.key}",
            )
