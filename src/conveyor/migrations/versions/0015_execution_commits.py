"""execution commits: the message and author of the commit a push started a run at

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 05:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("pipeline_executions", sa.Column("commit_message", sa.Text(), nullable=True))
    op.add_column("pipeline_executions", sa.Column("commit_author", sa.String(length=255), nullable=True))


def downgrade() -> None:
    op.drop_column("pipeline_executions", "commit_author")
    op.drop_column("pipeline_executions", "commit_message")
