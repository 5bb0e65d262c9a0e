"""INSERT ... ON CONFLICT DO NOTHING on both databases: create-or-get without racing another process."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite


def insert_or_ignore(dialect_name: str, model, rows: dict | list[dict], *, conflict: list[str]):
    """An INSERT of `rows` into `model`'s table that skips rows whose `conflict` columns already exist
    (inserted meanwhile by another process); re-read them afterwards to get the row that won."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return dialect.insert(model).values(rows).on_conflict_do_nothing(index_elements=conflict)
