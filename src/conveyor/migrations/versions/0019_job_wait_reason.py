"""jobs: why a queued job waits (no runner with its labels), and since when

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 07:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pipeline_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wait_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # not batch mode: SQLite's copy of the table would cascade-delete the jobs' steps and artifacts
    op.drop_column("pipeline_jobs", "waiting_since")
    op.drop_column("pipeline_jobs", "wait_reason")
