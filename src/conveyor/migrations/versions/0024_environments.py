"""environments: a project's protected environments, a job's environment and approval; a job's
concurrency group

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | Sequence[str] | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain ALTER TABLE, not batch mode: rebuilding projects or pipeline_jobs on SQLite would
# cascade-delete what belongs to them.


def upgrade() -> None:
    op.add_column("projects", sa.Column("protected_environments", sa.JSON(), nullable=True))
    op.add_column("pipeline_jobs", sa.Column("environment", sa.JSON(), nullable=True))
    op.add_column("pipeline_jobs", sa.Column("approval", sa.JSON(), nullable=True))
    op.add_column("pipeline_jobs", sa.Column("concurrency_group", sa.String(length=255), nullable=True))
    op.create_index("ix_pipeline_jobs_concurrency_group", "pipeline_jobs", ["concurrency_group"])


def downgrade() -> None:
    op.drop_index("ix_pipeline_jobs_concurrency_group", table_name="pipeline_jobs")
    op.drop_column("pipeline_jobs", "concurrency_group")
    op.drop_column("pipeline_jobs", "approval")
    op.drop_column("pipeline_jobs", "environment")
    op.drop_column("projects", "protected_environments")
