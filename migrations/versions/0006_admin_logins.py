"""admin_logins: per-account login throttle (failures in a row, locked until) and the session nonce that
logging out renews, shared by every worker.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 09:00:00
"""

import sqlalchemy as sa
from alembic import op

import finder.models.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_logins",
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", finder.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("session_nonce", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_admin_logins")),
    )


def downgrade() -> None:
    op.drop_table("admin_logins")
