"""search index: the placeless rows' rank index holds their tags too, on PostgreSQL

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 07:00:00

PostgreSQL only. The online branch of a first search with interests read every placeless row having a tag from the
table (a visit per match: 5-8 ms for two common tags at 1M listings); it now walks the rank index for a score floor
and reads the range of it that can reach the floor, testing the tags in the index (finder/search/
sql_online_tags_postgres.py). The same key, so the index is replaced (under a new name, which `finder.index.schema`
creates), not joined by a second.
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# As finder.index.schema makes it today, written out so that this revision keeps meaning what it meant.
RANK_TAGS = (
    "CREATE INDEX IF NOT EXISTS listing_geo_online_rank_tags ON listing_geo (connection DESC, next_epoch) "
    "INCLUDE (id, end_epoch, flags, kind, days_mask, times_mask, tags) WHERE lat_band = -10000"
)
RANK = (
    "CREATE INDEX IF NOT EXISTS listing_geo_online_rank ON listing_geo (connection DESC, next_epoch) "
    "INCLUDE (id, end_epoch, flags, kind, days_mask, times_mask) WHERE lat_band = -10000"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(RANK_TAGS)
        op.execute("DROP INDEX IF EXISTS listing_geo_online_rank")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(RANK)
        op.execute("DROP INDEX IF EXISTS listing_geo_online_rank_tags")
