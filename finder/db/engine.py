"""Engine and session factory. Domain functions take a Session; callers own commits."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, TypeDecorator, any_, bindparam, create_engine, event
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from finder.db.wal import checkpoint_in_background

# Ids per `IN (...)` list (or per `= ANY(:ids)` array) in one statement: far under SQLite's bound-parameter
# limit (32,766; 999 before 3.32) and PostgreSQL's 65,535, with room left for a statement's other parameters.
ID_CHUNK = 500
T = TypeVar("T")


def chunked(items: Sequence[T], size: int = ID_CHUNK) -> Iterator[Sequence[T]]:
    """`items` in consecutive slices of at most `size` (the id lists of one statement each)."""
    for offset in range(0, len(items), size):
        yield items[offset : offset + size]


def one_of(column, values: Sequence, dialect: str):
    """`column IN (values)`; on PostgreSQL `column = ANY(:values)`, the values as one array parameter.

    Why: an IN list of hundreds of keys is SQL text both sides parse for every statement (psycopg splits
    it into placeholders, the server parses and plans as many constants); one array parameter keeps one short
    statement whatever the count (`chunks_of` then need not split the list either)."""
    if dialect == "postgresql":
        return column == any_(bindparam(None, list(values), type_=BinaryArray(column.type)))
    return column.in_(values)


class BinaryList(list):
    """A list that psycopg sends in binary on the connections of `make_engine` (elsewhere, as any list: text)."""


class BinaryArray(TypeDecorator):
    """An ARRAY parameter sent in binary (as a `BinaryList`).

    Why: as text, psycopg quotes each element in Python and the server parses it back: ~1.9 ms for 1,000 keys,
    ~0.4 ms in binary, for every `one_of` of the importer (its organisations, links and overrides of a batch)."""

    impl = ARRAY
    cache_ok = True

    def bind_processor(self, dialect):
        process_items = self.impl_instance.bind_processor(dialect)

        def process(value):
            if value is None:
                return None
            return BinaryList(process_items(value) if process_items is not None else value)

        return process


def chunks_of(items: Sequence[T], dialect: str) -> Iterator[Sequence[T]]:
    """`items` in the slices of one `one_of` each: all at once on PostgreSQL (one array), `ID_CHUNK` on SQLite."""
    return chunked(items, max(len(items), 1) if dialect == "postgresql" else ID_CHUNK)


def make_engine(url: str, **kwargs) -> Engine:
    """An engine for `url`, reading JSON columns with `read_json`; SQLite gets WAL (checkpointed from a background
    thread, `finder.db.wal`), a busy timeout, foreign keys and write transactions that begin IMMEDIATE (see
    `_sqlite_pragmas`); PostgreSQL connections send `one_of`'s arrays in binary (`_binary_lists`)."""
    kwargs.setdefault("json_deserializer", read_json)
    if url.startswith("sqlite"):
        _make_folder(url)
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "savepoint", _sqlite_savepoint)
        checkpoint_in_background(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    event.listen(engine, "connect", _binary_lists)
    return engine


_EMPTY_JSON = {"[]": list, "{}": dict, b"[]": list, b"{}": dict}  # text on SQLite, bytes from psycopg


def read_json(text: str | bytes):
    """`json.loads(text)`; the empty list and object (most listings' exdates, categories and extra) are made
    without the parser, ~8x faster: it was a tenth of loading a page of listings."""
    empty = _EMPTY_JSON.get(text)
    return empty() if empty is not None else json.loads(text)


def _make_folder(url: str) -> None:
    """The folder of a SQLite file (data/ of a fresh install), so that the first connection can create it."""
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection, _record):
    # Every write transaction takes SQLite's write lock when it begins, waiting for it under the busy timeout.
    # pysqlite begins a transaction at the first INSERT/UPDATE/DELETE (reads before it run on their own), and
    # with this level it says BEGIN IMMEDIATE. A transaction that read first (a snapshot) and wrote later
    # would fail at once with "database is locked" whenever another process had committed in between: no
    # wait can help a stale snapshot. (The isolation_level=None recipe would make every read start such a
    # snapshot, turning each read-then-write session, web requests included, into that failure.)
    dbapi_connection.isolation_level = "IMMEDIATE"
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # finder.db.wal checkpoints after commits from a thread; this is the bound for when it falls behind:
    # ~40 MB of WAL rather than 4 MB (an import of a thousand listings writes ~8 MB).
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.close()


def _binary_lists(dbapi_connection, _record) -> None:
    """psycopg: a `BinaryList` parameter goes in binary (psycopg's own binary list dumper; lists stay text)."""
    adapters = getattr(dbapi_connection, "adapters", None)  # psycopg 3 only
    if adapters is not None:
        from psycopg.adapt import PyFormat

        adapters.register_dumper(BinaryList, adapters.get_dumper(list, PyFormat.BINARY))


def _sqlite_savepoint(connection, _name) -> None:
    """A SAVEPOINT outside a transaction would begin a deferred one (and pysqlite would not know of it):
    begin it IMMEDIATE first, like every other write transaction."""
    dbapi_connection = connection.connection.dbapi_connection
    if not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN IMMEDIATE")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
