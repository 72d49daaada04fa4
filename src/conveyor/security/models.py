"""Tables of the security domain: advisories, policies, scans and the vulnerabilities they track."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from conveyor.db import Base, PydanticJSON, UTCDateTime, new_id, utcnow
from conveyor.security.schemas import AllowEntryList


class Advisory(Base):
    """One OSV record as imported (parsed on use: see osv.AdvisoryIndex)."""

    __tablename__ = "security_advisories"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    source: Mapped[str] = mapped_column(String(200))
    modified: Mapped[datetime | None] = mapped_column(UTCDateTime())
    record: Mapped[str] = deferred(mapped_column(Text))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AdvisoryPackage(Base):
    """Which packages an advisory names, to fetch only the advisories a scan needs."""

    __tablename__ = "security_advisory_packages"

    ecosystem: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(214), primary_key=True)
    advisory_id: Mapped[str] = mapped_column(
        ForeignKey("security_advisories.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class SecurityPolicy(Base):
    __tablename__ = "security_policies"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    fail_on: Mapped[str | None] = mapped_column(String(16))  # no default: None means "never fail"
    new_only: Mapped[bool] = mapped_column(Boolean, default=False)
    allow: Mapped[AllowEntryList] = mapped_column(PydanticJSON(AllowEntryList))
    auto_scan: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Scan(Base):
    __tablename__ = "security_scans"
    __table_args__ = (Index("ix_security_scans_status_lease", "status", "lease_expires_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    trigger: Mapped[str] = mapped_column(String(16))  # api | step | auto
    ref: Mapped[str | None] = mapped_column(String(255))
    commit_sha: Mapped[str | None] = mapped_column(String(64))
    execution_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    job_id: Mapped[str | None] = mapped_column(String(36))
    scanners: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    summary: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    violations: Mapped[list[str]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Vulnerability(Base):
    __tablename__ = "security_vulnerabilities"
    __table_args__ = (
        UniqueConstraint("project_id", "fingerprint"),
        Index("ix_security_vulnerabilities_project_status", "project_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    scanner: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    rule_id: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(500))
    severity: Mapped[str] = mapped_column(String(16))
    cwe: Mapped[str | None] = mapped_column(String(32))
    cve: Mapped[str | None] = mapped_column(String(64))
    ghsa: Mapped[str | None] = mapped_column(String(64))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    file: Mapped[str | None] = mapped_column(String(1000))
    line: Mapped[int | None] = mapped_column(Integer)
    package: Mapped[str | None] = mapped_column(String(214))
    version: Mapped[str | None] = mapped_column(String(200))
    fixed_version: Mapped[str | None] = mapped_column(String(100))
    remediation: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    reason: Mapped[str | None] = mapped_column(Text)
    first_seen_scan_id: Mapped[str] = mapped_column(String(36))
    last_seen_scan_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ScanFinding(Base):
    """A vulnerability as one scan saw it (where it was then), for that scan's exports."""

    __tablename__ = "security_scan_findings"

    scan_id: Mapped[str] = mapped_column(
        ForeignKey("security_scans.id", ondelete="CASCADE"), primary_key=True
    )
    vulnerability_id: Mapped[str] = mapped_column(
        ForeignKey("security_vulnerabilities.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    line: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[str | None] = mapped_column(String(200))
