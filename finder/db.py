"""Engine and session factory. Domain functions take a Session; callers own commits."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from finder.wal import checkpoint_in_background


def make_engine(url: str, **kwargs) -> Engine:
    """An engine for `url`; SQLite gets WAL (checkpointed from a background thread, `finder.wal`), a busy
    timeout and foreign keys."""
    if url.startswith("sqlite"):
        _make_folder(url)
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        checkpoint_in_background(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _make_folder(url: str) -> None:
    """The folder of a SQLite file (data/ of a fresh install), so that the first connection can create it."""
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # finder.wal checkpoints after commits from a thread; this is the bound for when it falls behind:
    # ~40 MB of WAL rather than 4 MB (an import of a thousand listings writes ~8 MB).
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.close()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
