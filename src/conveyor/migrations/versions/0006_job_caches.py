"""job caches: which cache each job restored (exact, partial, miss) and saved

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 04:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("pipeline_jobs", sa.Column("caches", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("pipeline_jobs", "caches")
