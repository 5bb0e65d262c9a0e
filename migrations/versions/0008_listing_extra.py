"""listings.extra: the fields an adapter keeps that have no column of their own (a place's phone, OpenActive's
level, leader or meeting point), bounded by the importer (finder/ingest/prepare.py `stored_extra`).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 12:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("listings", sa.Column("extra", sa.JSON(), nullable=False, server_default="{}"))
    if op.get_bind().dialect.name == "postgresql":  # like today's other JSON columns: no server default
        op.alter_column("listings", "extra", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("listings") as batch_op:
        batch_op.drop_column("extra")
