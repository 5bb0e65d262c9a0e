"""The fetcher's state between runs (ETags, robots.txt, host back-off) kept in the `fetch_state` table.

`DatabaseFetchStore(session)` implements `scrapers.fetch.fetcher.FetchStore`. It writes through the caller's
session and never commits: the run that fetched commits (or rolls back) with everything else. With
`deferred=True` its writes wait in memory until `save()`, so a run holds no write lock (on SQLite,
the whole database's) while it waits on the network; and while the session has no transaction open, its
reads go through a short connection of their own, so none is left "idle in transaction" either.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from finder.models import FetchState, utcnow

KEY_MAX_CHARS = 500


def storage_key(key: str) -> str:
    """`key` itself, or for keys longer than the column a prefix plus a SHA-256 of the whole key."""
    if len(key) <= KEY_MAX_CHARS:
        return key
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return f"{key[: KEY_MAX_CHARS - 66]}#{digest}"


def _own_connections(session: Session) -> bool:
    """Whether another connection sees the same database (not so for an in-memory SQLite one)."""
    bind = session.get_bind()
    return not (bind.dialect.name == "sqlite" and bind.url.database in (None, "", ":memory:"))


class DatabaseFetchStore:
    """Key/value state with optional expiry, on the `FetchState` model; callers own commits."""

    def __init__(self, session: Session, *, now: Callable[[], datetime] = utcnow, deferred: bool = False):
        self.session = session
        self._now = now
        self.deferred = deferred
        self._pending: dict[str, dict] = {}  # storage key -> row values, while deferred

    def get(self, key: str) -> dict | None:
        pending = self._pending.get(storage_key(key))
        if pending is not None:
            expires_at = pending["expires_at"]
            return None if expires_at is not None and expires_at <= self._now() else dict(pending["value"])
        query = select(FetchState.value, FetchState.expires_at).where(FetchState.key == storage_key(key))
        if self.deferred and not self.session.in_transaction() and _own_connections(self.session):
            with self.session.get_bind().connect() as connection:
                row = connection.execute(query).first()
        else:
            row = self.session.execute(query).first()
        if row is None or (row.expires_at is not None and row.expires_at <= self._now()):
            return None
        return dict(row.value or {})

    def put(self, key: str, value: dict, ttl_s: float | None) -> None:
        now = self._now()
        values = {
            "key": storage_key(key),
            "value": dict(value),
            "expires_at": None if ttl_s is None else now + timedelta(seconds=ttl_s),
            "updated_at": now,
        }
        if self.deferred:
            self._pending[values["key"]] = values
        else:
            self._write(values)

    def save(self) -> None:
        """Write what waited in memory (deferred stores; nothing otherwise)."""
        pending, self._pending = self._pending, {}
        for values in pending.values():
            self._write(values)

    def _write(self, values: dict) -> None:
        dialect = self.session.get_bind().dialect.name
        if dialect in ("sqlite", "postgresql"):
            insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
            statement = insert(FetchState).values(**values)
            changed = {name: statement.excluded[name] for name in ("value", "expires_at", "updated_at")}
            self.session.execute(statement.on_conflict_do_update(index_elements=[FetchState.key], set_=changed))
        else:
            self.session.merge(FetchState(**values))
            self.session.flush()

    def purge(self) -> int:
        """Delete expired entries; returns how many went."""
        result = self.session.execute(
            delete(FetchState).where(FetchState.expires_at.is_not(None), FetchState.expires_at <= self._now())
        )
        return result.rowcount or 0
