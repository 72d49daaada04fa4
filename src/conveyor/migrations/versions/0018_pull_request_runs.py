"""pull request runs: the request's number, title, branches and whether it comes from a fork

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 07:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("pipeline_executions", sa.Column("pull_request", sa.Integer(), nullable=True))
    for text in ("pull_request_title", "base_ref", "head_ref"):
        op.add_column("pipeline_executions", sa.Column(text, sa.String(length=255), nullable=True))
    op.add_column(
        "pipeline_executions",
        sa.Column("from_fork", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    # not batch mode: SQLite's copy of the table would cascade-delete the executions' jobs
    for column in ("from_fork", "head_ref", "base_ref", "pull_request_title", "pull_request"):
        op.drop_column("pipeline_executions", column)
