"""job outputs: what `outputs:` gave, for `needs.<job>.outputs` in the jobs that need it

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("pipeline_jobs", sa.Column("outputs", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("pipeline_jobs", "outputs")
