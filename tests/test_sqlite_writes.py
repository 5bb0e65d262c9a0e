"""SQLite write transactions begin IMMEDIATE: another process's commit can never make a writer's snapshot
stale (which fails at once with "database is locked", whatever the busy timeout)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from finder.db.engine import make_engine


@pytest.fixture
def engines(tmp_path):
    path = tmp_path / "w.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    other = sqlite3.connect(path, timeout=0.2, isolation_level=None)  # another process, impatient
    yield engine, other
    other.close()
    engine.dispose()


def test_a_savepoint_begun_transaction_holds_the_write_lock_from_its_start(engines):
    engine, other = engines
    with Session(engine) as session:
        with session.begin_nested():  # the importer's savepoint, with no write before it
            assert session.execute(text("SELECT count(*) FROM t")).scalar() == 0
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("INSERT INTO t VALUES (2)")  # waits for us, not the reverse
            session.execute(text("INSERT INTO t VALUES (1)"))
        session.commit()
    assert other.execute("SELECT n FROM t").fetchall() == [(1,)]


def test_reads_before_the_first_write_hold_nothing(engines):
    engine, other = engines
    with Session(engine) as session:
        assert session.execute(text("SELECT count(*) FROM t")).scalar() == 0
        other.execute("INSERT INTO t VALUES (2)")  # e.g. the web's write while a scrape waits for its source
        session.execute(text("INSERT INTO t VALUES (1)"))
        session.commit()
    assert sorted(other.execute("SELECT n FROM t").fetchall()) == [(1,), (2,)]
