"""search index: listing_geo_online_rank, the placeless rows by connection then next start, with the filter columns

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 19:00:00

The online branch of a search without words or interests now takes a score floor from its first rows in this
order and scores only the rows that can reach it (finder/search/sql_online.py), instead of every placeless
row. SQLite: on listing_geo_online; PostgreSQL: a partial index of listing_geo's placeless rows, covering the
filter columns so the branch's count reads the index alone. An index only: nothing to refill.
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


# As finder.index.schema makes them today, written out so that this revision keeps meaning what it meant.
SQLITE = (
    "CREATE INDEX IF NOT EXISTS listing_geo_online_rank ON listing_geo_online "
    "(connection DESC, next_epoch, end_epoch, flags, kind, days_mask, times_mask)"
)
POSTGRES = (
    "CREATE INDEX IF NOT EXISTS listing_geo_online_rank ON listing_geo (connection DESC, next_epoch) "
    "INCLUDE (id, end_epoch, flags, kind, days_mask, times_mask) WHERE lat_band = -10000"
)


def upgrade() -> None:
    op.execute(POSTGRES if op.get_bind().dialect.name == "postgresql" else SQLITE)


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS listing_geo_online_rank")
