"""artifacts stored in chunks, so neither runners nor downloads hold a whole file in memory

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 23:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pipeline_artifact_chunks",
        sa.Column("artifact_id", sa.String(length=36), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["artifact_id"],
            ["pipeline_artifacts.id"],
            name=op.f("fk_pipeline_artifact_chunks_artifact_id_pipeline_artifacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("artifact_id", "n", name=op.f("pk_pipeline_artifact_chunks")),
    )
    op.execute(
        "INSERT INTO pipeline_artifact_chunks (artifact_id, n, data) "
        "SELECT id, 0, content FROM pipeline_artifacts WHERE content IS NOT NULL AND size > 0"
    )
    # A plain ALTER (SQLite >= 3.35): a batch copy of the table would cascade-delete the chunks.
    op.drop_column("pipeline_artifacts", "content")


def downgrade() -> None:
    op.add_column("pipeline_artifacts", sa.Column("content", sa.LargeBinary(), nullable=True))
    connection = op.get_bind()
    chunks = sa.table("pipeline_artifact_chunks", sa.column("artifact_id"), sa.column("n"), sa.column("data"))
    artifacts = sa.table("pipeline_artifacts", sa.column("id"), sa.column("content"))
    contents: dict[str, list[bytes]] = {}
    ordered = sa.select(chunks.c.artifact_id, chunks.c.data).order_by(chunks.c.artifact_id, chunks.c.n)
    for row in connection.execute(ordered):
        contents.setdefault(row.artifact_id, []).append(row.data)
    for artifact_id, parts in contents.items():
        update = artifacts.update().where(artifacts.c.id == artifact_id).values(content=b"".join(parts))
        connection.execute(update)
    op.drop_table("pipeline_artifact_chunks")
