"""SQLite WAL checkpoints off the committing thread.

A commit appends the pages it changed to the write-ahead log; a checkpoint copies them back into the
database file and waits for the disk (fsync). By default the committing connection does that itself
whenever the log passes `wal_autocheckpoint` pages: at 1M listings that is 100-300 ms every few
batches of an import, about an eighth of its time on this machine's disk, and a pause for whichever
web request happens to commit then.

`WalCheckpointer` runs that copy from a short-lived thread on its own connection, right after
commits (PASSIVE: it blocks no reader and no writer), while the committing thread goes on. When the
thread has copied every frame before the next write transaction starts, SQLite starts the log over
from its beginning, so it stays about one import batch long. The writers' own autocheckpoint is left
on as the bound for when the thread falls behind.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import weakref
from pathlib import Path

from sqlalchemy import Engine, event

log = logging.getLogger(__name__)

IDLE_SECONDS = 5.0  # a thread with nothing to do for this long ends; the next commit starts another
_BY_ENGINE: weakref.WeakKeyDictionary[Engine, WalCheckpointer] = weakref.WeakKeyDictionary()


class WalCheckpointer:
    """Checkpoints one SQLite database file after its commits, from a background thread."""

    def __init__(self, path: str):
        self.path = path
        self.checkpoints = 0  # completed checkpoint calls (tests, logs)
        self._due = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def attach(self, engine: Engine) -> None:
        """Checkpoint after every commit made through `engine` (once its connection is back in the pool)."""
        committed = threading.local()
        event.listen(engine, "commit", lambda _connection: setattr(committed, "yes", True))

        def returned(_dbapi_connection, _record):
            if getattr(committed, "yes", False):
                committed.yes = False
                self.request()

        event.listen(engine.pool, "checkin", returned)

    def request(self) -> None:
        """Ask for a checkpoint soon (requests made while one runs are served by one more run)."""
        self._due.set()
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name=f"wal-checkpoint {self.path}", daemon=True)
                self._thread.start()

    def checkpoint(self) -> tuple[int, int, int] | None:
        """One PASSIVE checkpoint now: (busy, frames in the log, frames copied), or None if it failed."""
        try:
            connection = sqlite3.connect(f"{Path(self.path).as_uri()}?mode=rw", uri=True, timeout=5)
        except sqlite3.Error as error:  # the file is gone (a test's database, deleted)
            log.debug("WAL checkpoint of %s: %s", self.path, error)
            return None
        try:
            busy, frames, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            self.checkpoints += 1
            return busy, frames, copied
        except sqlite3.Error as error:
            log.warning("WAL checkpoint of %s failed: %s", self.path, error)
            return None
        finally:
            connection.close()

    def _serve(self) -> None:
        while True:
            if self._due.wait(IDLE_SECONDS):
                self._due.clear()
                self.checkpoint()
                continue
            with self._lock:  # idle: end, unless a request came in meanwhile
                if not self._due.is_set():
                    self._thread = None
                    return

    def _after_fork(self) -> None:
        """In a forked child the thread is gone and its locks may be held: start afresh."""
        self._due = threading.Event()
        self._lock = threading.Lock()
        self._thread = None


def checkpoint_in_background(engine: Engine) -> WalCheckpointer | None:
    """Attach a checkpointer to a SQLite engine on a file (None for memory databases and other dialects)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return None
    checkpointer = _BY_ENGINE[engine] = WalCheckpointer(os.path.abspath(database))
    checkpointer.attach(engine)
    return checkpointer


def checkpointer_of(engine: Engine) -> WalCheckpointer | None:
    return _BY_ENGINE.get(engine)


os.register_at_fork(after_in_child=lambda: [checkpointer._after_fork() for checkpointer in list(_BY_ENGINE.values())])
