"""pipeline revisions: every saved version of a pipeline (name, definition, author), so its
history of changes can be shown; existing pipelines get their current version as revision 1

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 05:00:00
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    revisions = op.create_table(
        "pipeline_revisions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("pipeline_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("author_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["pipeline_id"], ["pipelines.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pipeline_id", "number"),
    )
    op.create_index("ix_pipeline_revisions_pipeline_id", "pipeline_revisions", ["pipeline_id"])
    pipelines = sa.table(
        "pipelines",
        sa.column("id", sa.String),
        sa.column("name", sa.String),
        sa.column("definition", sa.Text),
        sa.column("created_by", sa.String),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    rows = op.get_bind().execute(sa.select(pipelines)).all()
    if rows:
        op.bulk_insert(
            revisions,
            [
                {
                    "id": str(uuid.uuid4()),
                    "pipeline_id": row.id,
                    "number": 1,
                    "name": row.name,
                    "definition": row.definition,
                    "author_id": row.created_by,
                    "created_at": row.updated_at,
                }
                for row in rows
            ],
        )


def downgrade() -> None:
    op.drop_index("ix_pipeline_revisions_pipeline_id", table_name="pipeline_revisions")
    op.drop_table("pipeline_revisions")
