"""Does the database's schema match the code? The Alembic revision against head, then the tables
themselves against the models (a database built from an older 0001 reported the right revision with
columns missing), and the search index's own tables."""

from __future__ import annotations

import logging
from contextlib import contextmanager

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

from finder.db.migrate import alembic_config, include_object
from finder.models import Base

MAX_LISTED = 5
INDEX_TABLES = {
    "sqlite": ("listing_geo", "listing_geo_online", "search_meta", "listing_fts", "listing_fts_online"),
    "postgresql": ("listing_geo", "search_meta"),
}


@contextmanager
def _quiet(name: str):
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(connection: Connection) -> str | None:
    with _quiet("alembic"):
        return MigrationContext.configure(connection).get_current_revision()


def schema_problems(connection: Connection) -> list[str]:
    """What differs from the code's schema, in words (empty when it matches)."""
    current, head = current_revision(connection), head_revision()
    if current is None:
        return ["no database yet: run `finder db upgrade`"]
    if current != head:
        return [f"schema at {current}, code expects {head}: run `finder db upgrade`"]
    with _quiet("alembic"):  # its INFO lines describe the comparison, not the result
        from alembic.autogenerate import compare_metadata

        context = MigrationContext.configure(connection, opts={"include_object": include_object})
        problems = [describe(entry) for entry in compare_metadata(context, Base.metadata)]
    tables = set(inspect(connection).get_table_names())
    problems += [
        f"search index table {name} missing"
        for name in INDEX_TABLES.get(connection.dialect.name, ())
        if name not in tables
    ]
    if problems:
        more = f" and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
        return [
            f"schema at {current} but it differs from the code: "
            + "; ".join(problems[:MAX_LISTED])
            + more
            + " (run `finder db upgrade`)"
        ]
    return []


def describe(entry) -> str:
    """One Alembic comparison entry as words."""
    if isinstance(entry, list):  # modify_* entries come as lists of tuples
        entry = entry[0]
        return f"{entry[0].replace('_', ' ')} of {entry[2]}.{entry[3]}"
    op = entry[0]
    if op in ("add_table", "remove_table"):
        return f"table {entry[1].name} " + ("missing" if op == "add_table" else "not in the code")
    if op in ("add_column", "remove_column"):
        return f"column {entry[2]}.{entry[3].name} " + ("missing" if op == "add_column" else "not in the code")
    if op in ("add_index", "remove_index"):
        return f"index {entry[1].name} " + ("missing" if op == "add_index" else "not in the code")
    return op.replace("_", " ")
