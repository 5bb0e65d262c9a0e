"""job_runs: when the last successful run started (the job is due one interval after it), consecutive
failures and when a failed job may be retried (backoff inside its interval).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 09:00:00
"""

import sqlalchemy as sa
from alembic import op

import finder.models.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_ok", finder.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("failures", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("retry_after", finder.models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_column("retry_after")
        batch_op.drop_column("failures")
        batch_op.drop_column("last_ok")
