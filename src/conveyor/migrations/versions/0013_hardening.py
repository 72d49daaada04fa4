"""hardening: push deliveries seen (replays start nothing), where each log line came from

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "push_deliveries",
        sa.Column(
            "project_id", sa.String(36), sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("delivery_id", sa.String(100), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "delivery_id"),
    )
    op.add_column(
        "pipeline_log_lines",
        sa.Column("origin", sa.String(8), nullable=False, server_default="step"),
    )


def downgrade() -> None:
    op.drop_column("pipeline_log_lines", "origin")
    op.drop_table("push_deliveries")
