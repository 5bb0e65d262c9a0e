"""listings: ix_listings_merge includes the id on PostgreSQL

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 02:00:00

PostgreSQL only. The importer reads the merge candidates of a whole batch (id, group, title, start of every
stored listing in the new items' start windows: about ten rows a window, ten thousand a batch of 1,000 at
a million listings) in one statement joined to this index (finder/ingest/merge.py). Without the id in the
index each of those rows costs a visit to the table (a page each); with it the read is an index-only scan
(of all-visible pages, as autovacuum keeps them). Same columns, so the one index is replaced, not joined by a second.
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_listings_merge")
        op.execute("CREATE INDEX ix_listings_merge ON listings (merge_group, start, match_title) INCLUDE (id)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_listings_merge")
        op.execute("CREATE INDEX ix_listings_merge ON listings (merge_group, start, match_title)")
