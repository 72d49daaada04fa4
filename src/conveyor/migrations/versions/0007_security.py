"""security scanning: advisories, policies, scans, vulnerabilities

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 04:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from conveyor.db import UTCDateTime

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "security_advisories",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("modified", UTCDateTime(), nullable=True),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_advisories")),
    )
    op.create_table(
        "security_advisory_packages",
        sa.Column("ecosystem", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=214), nullable=False),
        sa.Column("advisory_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["advisory_id"],
            ["security_advisories.id"],
            name=op.f("fk_security_advisory_packages_advisory_id_security_advisories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "ecosystem", "name", "advisory_id", name=op.f("pk_security_advisory_packages")
        ),
    )
    op.create_index(
        op.f("ix_security_advisory_packages_advisory_id"), "security_advisory_packages", ["advisory_id"]
    )
    op.create_table(
        "security_policies",
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("fail_on", sa.String(length=16), nullable=True),
        sa.Column("new_only", sa.Boolean(), nullable=False),
        sa.Column("allow", sa.JSON(), nullable=False),
        sa.Column("auto_scan", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_security_policies_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_security_policies")),
    )
    op.create_table(
        "security_scans",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=255), nullable=True),
        sa.Column("commit_sha", sa.String(length=64), nullable=True),
        sa.Column("execution_id", sa.String(length=36), nullable=True),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.Column("scanners", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("violations", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.String(length=36), nullable=True),
        sa.Column("lease_expires_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_security_scans_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_security_scans_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_scans")),
        sa.UniqueConstraint("execution_id", name=op.f("uq_security_scans_execution_id")),
    )
    op.create_index(op.f("ix_security_scans_project_id"), "security_scans", ["project_id"])
    op.create_index("ix_security_scans_status_lease", "security_scans", ["status", "lease_expires_at"])
    op.create_table(
        "security_vulnerabilities",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("scanner", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("rule_id", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("cwe", sa.String(length=32), nullable=True),
        sa.Column("cve", sa.String(length=64), nullable=True),
        sa.Column("ghsa", sa.String(length=64), nullable=True),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("file", sa.String(length=1000), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("package", sa.String(length=214), nullable=True),
        sa.Column("version", sa.String(length=200), nullable=True),
        sa.Column("fixed_version", sa.String(length=100), nullable=True),
        sa.Column("remediation", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("first_seen_scan_id", sa.String(length=36), nullable=False),
        sa.Column("last_seen_scan_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_security_vulnerabilities_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_vulnerabilities")),
        sa.UniqueConstraint("project_id", "fingerprint", name=op.f("uq_security_vulnerabilities_project_id")),
    )
    op.create_index(
        "ix_security_vulnerabilities_project_status", "security_vulnerabilities", ["project_id", "status"]
    )
    op.create_table(
        "security_scan_findings",
        sa.Column("scan_id", sa.String(length=36), nullable=False),
        sa.Column("vulnerability_id", sa.String(length=36), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("version", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["scan_id"],
            ["security_scans.id"],
            name=op.f("fk_security_scan_findings_scan_id_security_scans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vulnerability_id"],
            ["security_vulnerabilities.id"],
            name=op.f("fk_security_scan_findings_vulnerability_id_security_vulnerabilities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("scan_id", "vulnerability_id", name=op.f("pk_security_scan_findings")),
    )
    op.create_index(
        op.f("ix_security_scan_findings_vulnerability_id"), "security_scan_findings", ["vulnerability_id"]
    )


def downgrade() -> None:
    op.drop_table("security_scan_findings")
    op.drop_table("security_vulnerabilities")
    op.drop_table("security_scans")
    op.drop_table("security_policies")
    op.drop_table("security_advisory_packages")
    op.drop_table("security_advisories")
