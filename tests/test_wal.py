"""SQLite WAL checkpoints from a background thread (finder.db.wal): what commits write reaches the database
file without the committing thread waiting, and the log starts over instead of growing."""

from __future__ import annotations

import shutil
import sqlite3
import time

from sqlalchemy import text

from finder.db import wal
from finder.db.engine import make_engine


def wait_for(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_committed_rows_reach_the_database_file_from_a_background_thread(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'kindred.sqlite'}")
    checkpointer = wal.checkpointer_of(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
        connection.execute(text("INSERT INTO notes (body) VALUES ('kept')"))
    assert wait_for(lambda: checkpointer.checkpoints >= 1)
    # the database file alone, without its log, holds the row: the checkpoint copied it there
    shutil.copyfile(tmp_path / "kindred.sqlite", tmp_path / "alone.sqlite")
    alone = sqlite3.connect(tmp_path / "alone.sqlite")
    assert alone.execute("SELECT body FROM notes").fetchall() == [("kept",)]
    alone.close()
    engine.dispose()


def test_the_log_starts_over_while_a_writer_keeps_importing(tmp_path):
    """Twenty batches, each read first and then written (as an import does): the log file never holds
    more than a few batches, where SQLite's own checkpoint (every 10,000 pages) would let it hold all."""
    path = tmp_path / "kindred.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    checkpointer = wal.checkpointer_of(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT)"))
        connection.execute(text("CREATE INDEX rows_body ON rows (body)"))
    batch_pages = []
    for batch in range(20):
        with engine.connect() as connection:
            connection.execute(text("SELECT count(*) FROM rows")).scalar()
        assert wait_for(lambda b=batch: checkpointer.checkpoints >= b + 1)  # done while the batch is prepared
        before = path.with_name(path.name + "-wal").stat().st_size
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO rows (body) VALUES (:body)"),
                [{"body": f"{batch}-{i}-{'x' * 200}"} for i in range(500)],
            )
        batch_pages.append(path.with_name(path.name + "-wal").stat().st_size - before)
    one_batch = max(batch_pages)
    assert one_batch > 30 * 4096  # each batch writes a good many pages
    assert path.with_name(path.name + "-wal").stat().st_size < 4 * one_batch
    engine.dispose()


def test_the_thread_ends_when_idle_and_the_next_commit_starts_another(tmp_path, monkeypatch):
    monkeypatch.setattr(wal, "IDLE_SECONDS", 0.1)
    engine = make_engine(f"sqlite:///{tmp_path / 'kindred.sqlite'}")
    checkpointer = wal.checkpointer_of(engine)
    for expected in (1, 2):
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY)"))
            connection.execute(text("INSERT INTO notes DEFAULT VALUES"))
        assert wait_for(lambda e=expected: checkpointer.checkpoints >= e)
        assert wait_for(lambda: checkpointer._thread is None)
    engine.dispose()


def test_reads_alone_ask_for_no_checkpoint_and_memory_databases_get_no_checkpointer(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'kindred.sqlite'}")
    checkpointer = wal.checkpointer_of(engine)
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    time.sleep(0.2)
    assert checkpointer.checkpoints == 0 and checkpointer._thread is None
    assert wal.checkpointer_of(make_engine("sqlite://")) is None
    engine.dispose()


def test_a_database_file_that_is_gone_is_not_recreated(tmp_path):
    checkpointer = wal.WalCheckpointer(str(tmp_path / "gone.sqlite"))
    assert checkpointer.checkpoint() is None
    assert not (tmp_path / "gone.sqlite").exists()


def test_a_forked_child_checkpoints_with_a_thread_of_its_own(tmp_path):
    import os

    engine = make_engine(f"sqlite:///{tmp_path / 'kindred.sqlite'}")
    checkpointer = wal.checkpointer_of(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY)"))
    assert wait_for(lambda: checkpointer.checkpoints >= 1)
    engine.dispose()  # the child opens its own connections
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports by its exit status
        try:
            with engine.begin() as connection:
                connection.execute(text("INSERT INTO notes DEFAULT VALUES"))
            os._exit(0 if wait_for(lambda: checkpointer.checkpoints >= 2, 5) else 1)
        finally:
            os._exit(2)
    _pid, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_a_path_with_uri_characters_is_checkpointed(tmp_path):
    folder = tmp_path / "odd #% name"  # characters a URI would read as a fragment or an escape
    folder.mkdir()
    engine = make_engine(f"sqlite:///{folder / 'kindred.sqlite'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY)"))
    checkpointer = wal.checkpointer_of(engine)
    assert wait_for(lambda: checkpointer.checkpoints >= 1)
    shutil.copyfile(folder / "kindred.sqlite", tmp_path / "alone.sqlite")  # the table reached this file
    alone = sqlite3.connect(tmp_path / "alone.sqlite")
    assert alone.execute("SELECT name FROM sqlite_master").fetchall() == [("notes",)]
    alone.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alone.sqlite", folder.name]  # no stray database
    engine.dispose()
