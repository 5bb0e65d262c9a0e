"""Retry a short database write with backoff when the database is briefly unavailable.

SQLite answers "database is locked" when its busy timeout runs out; PostgreSQL drops connections while it
restarts. Both are OperationalError; anything else is a real error and raised at once."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import OperationalError

log = logging.getLogger(__name__)
T = TypeVar("T")


def with_retries(
    write: Callable[[], T],
    *,
    what: str,
    attempts: int = 6,
    first_delay_s: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """`write()`, called again after 0.5, 1, 2, 4, 8 s while it raises OperationalError; the last error is raised."""
    delay = first_delay_s
    for attempt in range(1, attempts + 1):
        try:
            return write()
        except OperationalError as error:
            if attempt == attempts:
                raise
            log.warning("%s: database unavailable (%s), retrying in %.1fs", what, str(error.orig)[:200], delay)
            sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")
