"""Alembic, driven from code: `upgrade(url)` brings any database to head."""

from __future__ import annotations

from alembic import command
from alembic.config import Config as AlembicConfig

from finder.config import SHIPPED


def alembic_config(url: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(SHIPPED / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> int:
    """Migrate to `revision`; at head, an emptied search index is refilled (revision 0004 empties it when
    it repairs an earlier schema). Returns the number of listings so indexed (0 almost always)."""
    command.upgrade(alembic_config(url), revision)
    return refill_empty_index(url) if revision == "head" else 0


def refill_empty_index(url: str) -> int:
    """Rebuild the search index when it holds no row while searchable listings exist; returns rows written."""
    from sqlalchemy import select, text

    from finder import index
    from finder.db.engine import make_engine, make_sessionmaker
    from finder.models import Listing

    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            if session.execute(text("SELECT 1 FROM listing_geo LIMIT 1")).first() is not None:
                return 0
            searchable = select(Listing.id).where(Listing.liveness != "hidden", Listing.status != "cancelled")
            if session.execute(searchable.limit(1)).first() is None:
                return 0
            index.clear(session.connection())
            written = index.refresh(session, session.scalars(select(Listing.id)).all())
            index.compact(session.connection())
            session.commit()
            return written
    finally:
        engine.dispose()


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
