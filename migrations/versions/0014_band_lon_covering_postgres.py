"""listing_geo: the band and longitude index covers a search by place alone, on PostgreSQL

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 03:30:00

PostgreSQL only. A search near a point counts every row of its circle and ranks the best (finder/search/sql.py,
finder/search/sql_near_ring.py): thousands of rows for 25-100 km around a city at a million listings, each read
through `listing_geo_band_lon` and then visited in the table (a page each) for its vector, dates, connection and
filter columns. With those columns in the index the reads are index-only scans (of all-visible pages, as
autovacuum keeps them): the count of 6,165 rows within 100 km of London 1.8 -> 0.9 ms. The index grows from
30 to 112 MB at a million listings. The same key, so the one index is replaced (under a new name, which
`finder.index.schema` creates), not joined by a second.
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

COVERING = (
    "CREATE INDEX IF NOT EXISTS listing_geo_band_lon_cover ON listing_geo (lat_band, lon) "
    "INCLUDE (id, x, y, z, end_epoch, next_epoch, connection, flags, kind, days_mask, times_mask)"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(COVERING)
        op.execute("DROP INDEX IF EXISTS listing_geo_band_lon")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX IF NOT EXISTS listing_geo_band_lon ON listing_geo (lat_band, lon)")
        op.execute("DROP INDEX IF EXISTS listing_geo_band_lon_cover")
