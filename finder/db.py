"""Engine and session factory. Domain functions take a Session; callers own commits."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from finder.wal import checkpoint_in_background

IMMEDIATE = {"sqlite_immediate": True}  # execution option: this engine's transactions are writers


def make_engine(url: str, **kwargs) -> Engine:
    """An engine for `url`; SQLite gets WAL (checkpointed from a background thread, `finder.wal`), a busy
    timeout, foreign keys, and transactions we begin ourselves (see `_sqlite_begin`)."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        checkpoint_in_background(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection, _record):
    # SQLAlchemy's recipe: pysqlite must not open transactions itself, so that `_sqlite_begin` can.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # finder.wal checkpoints after commits from a thread; this is the bound for when it falls behind:
    # ~40 MB of WAL rather than 4 MB (an import of a thousand listings writes ~8 MB).
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.close()


def _sqlite_begin(connection) -> None:
    """Writers (engines with the IMMEDIATE option) take SQLite's write lock when they begin, waiting for it
    under the busy timeout. A deferred transaction that reads and then writes while another process has
    committed fails at once with "database is locked" (its snapshot is stale; no wait helps), so every
    transaction that may write begins IMMEDIATE; readers (web pages) stay deferred and never wait."""
    immediate = connection.get_execution_options().get("sqlite_immediate")
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def writer(engine: Engine) -> Engine:
    """`engine` whose transactions begin as writers (BEGIN IMMEDIATE on SQLite; the same engine elsewhere)."""
    return engine.execution_options(**IMMEDIATE) if engine.dialect.name == "sqlite" else engine


def make_sessionmaker(engine: Engine, *, write: bool = False) -> sessionmaker[Session]:
    """Sessions on `engine`; `write=True` for jobs and commands that write (see `_sqlite_begin`)."""
    return sessionmaker(writer(engine) if write else engine, expire_on_commit=False)
