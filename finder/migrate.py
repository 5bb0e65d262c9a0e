"""Alembic, driven from code: `upgrade(url)` brings any database to head."""

from __future__ import annotations

from alembic import command
from alembic.config import Config as AlembicConfig

from finder.config import ROOT


def alembic_config(url: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


# Objects that belong to search indexes, not to the models (FTS tables, spatial tables).
SEARCH_INDEX_PREFIXES = ("listing_fts", "listing_geo", "search_")


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic filter: leave search-index objects out of autogenerate comparisons."""
    if type_ == "table" and name and name.startswith(SEARCH_INDEX_PREFIXES):
        return False
    table = getattr(obj, "table", None)
    if type_ == "index" and table is not None and table.name.startswith(SEARCH_INDEX_PREFIXES):
        return False
    return True
