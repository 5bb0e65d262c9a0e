"""bench/ingest_floor.py: the replay writes exactly the rows the import wrote (else its rate would be no floor)."""

from __future__ import annotations

import shutil
import sqlite3

from bench import ingest_bench, ingest_floor


def _rows(path, table: str, key: str, first: int) -> list[tuple]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(f"SELECT * FROM {table} WHERE {key} >= ? ORDER BY 1, 2", (first,)).fetchall()  # noqa: S608
    finally:
        connection.close()


def test_the_replay_writes_the_rows_the_import_wrote(tmp_path, monkeypatch):
    monkeypatch.setattr(ingest_bench, "BASE_SOURCES", 5)
    monkeypatch.setattr(ingest_bench, "BASE_ORGANIZATIONS", 50)
    base = tmp_path / "base.sqlite"
    ingest_bench.build_base(f"sqlite:///{base}", 120)
    ingest_bench.settle(base)
    imported, floor = tmp_path / "imported.sqlite", tmp_path / "floor.sqlite"
    shutil.copyfile(base, imported)
    shutil.copyfile(base, floor)
    ingest_bench.ingest_rate(f"sqlite:///{imported}", 70, 25, again=False)

    written, elapsed = ingest_floor.sqlite_replay(imported, floor, 25)

    assert written == 70 and elapsed > 0
    for table, key in ingest_floor.SQLITE_TABLES:
        assert _rows(floor, table, key, 121) == _rows(imported, table, key, 121), table
    assert len(_rows(floor, "occurrences", "listing_id", 121)) > 70  # the recurring ones have several
    assert _counts(floor) == _counts(imported)  # no table the import wrote is left out of the replay
    for text_table in ingest_floor.SQLITE_TEXT_TABLES:
        assert _rows(floor, text_table, "rowid", 121) == _rows(imported, text_table, "rowid", 121), text_table
    found = [_matching(path, "welcome", 121) for path in (imported, floor)]
    assert len(found[1]) == 70 and found[0] == found[1]  # tokenised again: the copy finds the same listings


def _counts(path) -> dict[str, int]:
    """Rows per table (the full-text tables' own storage aside: its segments may be laid out differently)."""
    connection = sqlite3.connect(path)
    try:
        names = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not name.startswith(("listing_fts_", "sqlite_"))
        ]
        return {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}  # noqa: S608
    finally:
        connection.close()


def _matching(path, words: str, first: int) -> list[tuple]:
    """The listings from `first` on whose text matches `words` (FTS5)."""
    connection = sqlite3.connect(path)
    try:
        query = "SELECT rowid FROM listing_fts WHERE listing_fts MATCH ? AND rowid >= ? ORDER BY rowid"
        return connection.execute(query, (words, first)).fetchall()
    finally:
        connection.close()
