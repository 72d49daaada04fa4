"""pipelines from the repository: source, path and error of a pipeline; projects opt into GitHub workflows

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 07:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pipelines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=16), server_default="api", nullable=False))
        batch_op.add_column(sa.Column("path", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("error", sa.Text(), nullable=True))
        batch_op.create_unique_constraint("uq_pipelines_project_id_path", ["project_id", "path"])
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("github_workflows", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("github_workflows")
    with op.batch_alter_table("pipelines", schema=None) as batch_op:
        batch_op.drop_constraint("uq_pipelines_project_id_path", type_="unique")
        batch_op.drop_column("error")
        batch_op.drop_column("path")
        batch_op.drop_column("source")
