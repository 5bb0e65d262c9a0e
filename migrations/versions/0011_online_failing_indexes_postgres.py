"""search index: listing_geo_online_end and listing_geo_online_offline on PostgreSQL, the placeless rows failing the
default filters

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 01:00:00

PostgreSQL only (SQLite has had them since 0010, on listing_geo_online). The online branch of a search with words
now counts the words' placeless matches with the text index and subtracts the matching rows that are over or not
online (finder/search/sql_online_tsv.py), instead of testing the filters on the row of every match: these two
partial indexes of listing_geo find those rows. Indexes only: nothing to refill.
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


# As finder.index.schema makes them today, written out so that this revision keeps meaning what it meant.
POSTGRES = (
    "CREATE INDEX IF NOT EXISTS listing_geo_online_end ON listing_geo (end_epoch) "
    "WHERE lat_band = -10000 AND end_epoch IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS listing_geo_online_offline ON listing_geo (end_epoch) "
    "WHERE lat_band = -10000 AND (flags & 512) = 0",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS listing_geo_online_offline")
        op.execute("DROP INDEX IF EXISTS listing_geo_online_end")
