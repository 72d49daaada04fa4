"""execution inputs and concurrency group

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 05:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("pipeline_executions", sa.Column("inputs", sa.JSON(), nullable=True))
    op.add_column("pipeline_executions", sa.Column("concurrency_group", sa.String(length=255), nullable=True))
    op.create_index(
        "ix_pipeline_executions_project_group",
        "pipeline_executions",
        ["project_id", "concurrency_group"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_pipeline_executions_project_group", table_name="pipeline_executions")
    op.drop_column("pipeline_executions", "concurrency_group")
    op.drop_column("pipeline_executions", "inputs")
