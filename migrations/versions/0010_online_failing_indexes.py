"""search index: listing_geo_online_end and listing_geo_online_offline, the placeless rows failing the default filters

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 22:10:00

SQLite only. The online branch of a search with words counts the words' matches in the text index and subtracts
the matching rows that are over or not online (finder/search/sql_online_words.py), instead of reading the row of
every match: these two indexes find those rows. PostgreSQL: nothing. Indexes only: nothing to refill.
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


# As finder.index.schema makes them today, written out so that this revision keeps meaning what it meant.
SQLITE = (
    "CREATE INDEX IF NOT EXISTS listing_geo_online_end ON listing_geo_online (end_epoch) WHERE end_epoch IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS listing_geo_online_offline ON listing_geo_online (end_epoch) WHERE (flags & 512) = 0",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for statement in SQLITE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP INDEX IF EXISTS listing_geo_online_offline")
        op.execute("DROP INDEX IF EXISTS listing_geo_online_end")
