"""Operations: one row per scheduled job key, shared by every scheduler process."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from finder.models.base import Base


class JobRun(Base):
    """Who last ran job `key`, when, and the lease that keeps two schedulers from running it at once."""

    __tablename__ = "job_runs"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200), default="")
    last_started: Mapped[datetime | None]
    last_finished: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    last_status: Mapped[str] = mapped_column(String(20), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    runs: Mapped[int] = mapped_column(default=0)
    # When the latest successful run started: the job is due again one interval after it.
    last_ok: Mapped[datetime | None]
    # After a failure: consecutive failures, and when the job may be retried (backoff inside the interval).
    failures: Mapped[int] = mapped_column(default=0, server_default="0")
    retry_after: Mapped[datetime | None]
