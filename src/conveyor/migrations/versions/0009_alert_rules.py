"""alerts raised by rules name their cause, so one stays open per cause

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 05:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("alerts", sa.Column("cause", sa.String(length=200), nullable=True))
    # One unresolved alert per cause, even when several nodes judge the same rule at once.
    unresolved = sa.text("status != 'resolved'")
    op.create_index(
        "uq_alerts_unresolved_cause",
        "alerts",
        ["cause"],
        unique=True,
        sqlite_where=unresolved,
        postgresql_where=unresolved,
    )


def downgrade() -> None:
    op.drop_index("uq_alerts_unresolved_cause", table_name="alerts")
    op.drop_column("alerts", "cause")
