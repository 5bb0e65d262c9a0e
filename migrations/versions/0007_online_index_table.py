"""search index: listing_geo_online, the placeless rows again in a narrow table (SQLite), filled from listing_geo

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 12:45:00

The online branch of a search near a place reads every placeless row that passes its filters (for a
search without words or interests, all of them); on SQLite it now reads this narrow table (rowid = listing
id, the ten columns filters and scores need) instead of the wide rows of listing_geo. The table is filled
here from listing_geo, so no reindex is needed. PostgreSQL keeps reading listing_geo: nothing to do there.
"""

from alembic import op

from finder.index import schema as index_schema

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        return
    op.execute(index_schema.ONLINE_DDL)
    op.execute("DELETE FROM listing_geo_online")
    op.execute(index_schema.ONLINE_FILL)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE IF EXISTS listing_geo_online")
