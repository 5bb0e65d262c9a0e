"""search index: listing_geo (banded spatial table), listing_fts + listing_fts_online (SQLite FTS5) / tsvector (PostgreSQL)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 20:45:00

Non-model objects, created by the same function the tests use (finder.index.schema.create_objects).
After upgrading a database that already holds listings, fill the index with `finder search reindex`.
"""

from alembic import op

from finder.index import schema as index_schema

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    index_schema.create_objects(op.get_bind())


def downgrade() -> None:
    index_schema.drop_objects(op.get_bind())
