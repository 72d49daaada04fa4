"""test results: the JUnit reports of jobs, case by case, and a summary per job

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 04:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pipeline_test_results",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("execution_id", sa.String(length=36), nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("suite", sa.String(length=500), nullable=False),
        sa.Column("classname", sa.String(length=500), nullable=False),
        sa.Column("name", sa.String(length=1000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("duration", sa.Float(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["execution_id"],
            ["pipeline_executions.id"],
            name=op.f("fk_pipeline_test_results_execution_id_pipeline_executions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["pipeline_jobs.id"],
            name=op.f("fk_pipeline_test_results_job_id_pipeline_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_test_results")),
    )
    op.create_index(
        op.f("ix_pipeline_test_results_execution_id"), "pipeline_test_results", ["execution_id"], unique=False
    )
    op.create_index(
        op.f("ix_pipeline_test_results_job_id"), "pipeline_test_results", ["job_id"], unique=False
    )
    op.add_column("pipeline_jobs", sa.Column("tests", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("pipeline_jobs", "tests")
    op.drop_index(op.f("ix_pipeline_test_results_job_id"), table_name="pipeline_test_results")
    op.drop_index(op.f("ix_pipeline_test_results_execution_id"), table_name="pipeline_test_results")
    op.drop_table("pipeline_test_results")
