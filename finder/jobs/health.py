"""Job health for /status, from the `job_runs` rows every scheduler shares: each job's last run, and flags
for a failed last run, a lease held for too long (its scheduler may be gone), a run that never finished,
and a job not started for over twice its interval (overdue: no scheduler is running it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.models import JobRun

STUCK_AFTER = timedelta(minutes=15)  # a lease held longer than this is flagged (scrapes usually take seconds)
OVERDUE_GRACE = timedelta(minutes=10)


@dataclass
class JobHealth:
    key: str
    interval_s: float
    row: JobRun | None  # None: never started by any scheduler
    flags: list[str] = field(default_factory=list)

    @property
    def running(self) -> bool:
        return "running" in self.flags


def flags_for(row: JobRun | None, interval_s: float, now: datetime) -> list[str]:
    """'running' (not a problem), 'failed', 'stuck', 'unfinished', 'overdue' or 'never run'."""
    if row is None or row.last_started is None:
        return ["never run"]
    flags = []
    leased = row.lease_until is not None and row.lease_until > now
    finished = row.last_finished is not None and row.last_finished >= row.last_started
    if leased and not finished:
        flags.append("stuck" if now - row.last_started > STUCK_AFTER else "running")
    elif not finished:
        flags.append("unfinished")
    if row.last_status not in ("", "ok") and finished:
        flags.append("failed")
    if now - row.last_started > timedelta(seconds=2 * interval_s) + OVERDUE_GRACE:
        flags.append("overdue")
    return flags


def job_health(session: Session, jobs: list[tuple[str, float]], now: datetime) -> list[JobHealth]:
    """Health of each (key, interval_s) job, in the given order; rows of jobs no longer scheduled are left out."""
    rows = {row.key: row for row in session.scalars(select(JobRun))}
    return [
        JobHealth(key, interval_s, rows.get(key), flags_for(rows.get(key), interval_s, now)) for key, interval_s in jobs
    ]


ATTENTION = {"failed", "stuck", "unfinished", "overdue", "never run"}


def needs_attention(item: JobHealth) -> bool:
    return bool(ATTENTION.intersection(item.flags))
