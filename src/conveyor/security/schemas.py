"""Read schemas of the security domain (a leaf: pydantic and shared modules only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Final, Literal

from pydantic import Field, RootModel, model_validator

from conveyor.schemas import ApiModel

Severity = Literal["critical", "high", "medium", "low", "info"]
Kind = Literal["code", "secret", "dependency"]
ScannerStatus = Literal["queued", "running", "completed", "failed", "skipped"]
ScanStatus = Literal["queued", "running", "completed", "failed"]
VulnerabilityStatus = Literal["open", "fixed", "ignored", "false_positive"]
ScanTrigger = Literal["api", "step", "auto"]

# Most severe first; a policy's threshold fails everything at its index or below.
SEVERITIES: Final[tuple[Severity, ...]] = ("critical", "high", "medium", "low", "info")


def severity_rank(severity: Severity) -> int:
    """0 for critical .. 4 for info: smaller is worse."""
    return SEVERITIES.index(severity)


class AllowEntry(ApiModel):
    rule: str = Field(
        min_length=1, max_length=200, description="A rule id, advisory id or alias (CVE, GHSA)."
    )
    reason: str = Field(min_length=1, max_length=1000)
    expires: date | None = Field(default=None, description="The entry stops applying after this day.")


class AllowEntryList(RootModel[list[AllowEntry]]):
    root: list[AllowEntry] = Field(default_factory=list, max_length=500)


class Policy(ApiModel):
    fail_on: Severity | None = Field(default="high", description="Fail on findings at or above; null: never.")
    new_only: bool = Field(default=False, description="Count only findings first seen in this scan.")
    allow: list[AllowEntry] = Field(default_factory=list, max_length=500)


class PolicyRead(Policy):
    auto_scan: bool = Field(default=False, description="Scan every execution of the default branch.")


class PolicyPut(PolicyRead):
    pass


class ScanCreate(ApiModel):
    ref: str | None = Field(
        default=None, min_length=1, max_length=255, description="Default: the default branch."
    )


class ScanAccepted(ApiModel):
    scan_id: str


class ScannerRead(ApiModel):
    name: str
    status: ScannerStatus
    findings: int = 0
    seconds: float = 0.0
    error: str | None = None


class Summary(ApiModel):
    critical: int = 0
    high: int = 0
    medium: int = 0
    low: int = 0
    info: int = 0


class ScanRead(ApiModel):
    scan_id: str
    project_id: str
    status: ScanStatus
    trigger: ScanTrigger
    ref: str | None
    commit_sha: str | None
    execution_id: str | None = Field(default=None, description="The execution an automatic scan follows.")
    job_id: str | None = Field(default=None, description="The job whose security-scan step ran this scan.")
    scanners: list[ScannerRead]
    summary: Summary
    policy_violations: list[str] = Field(
        default_factory=list, description="Ids of the vulnerabilities that broke the project's policy."
    )
    error: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None


class VulnerabilityRead(ApiModel):
    vulnerability_id: str
    project_id: str
    title: str
    severity: Severity
    kind: Kind
    scanner: str
    rule_id: str
    cwe: str | None = None
    cve: str | None = None
    ghsa: str | None = None
    file: str | None = None
    line: int | None = None
    package: str | None = None
    version: str | None = None
    fixed_version: str | None = None
    remediation: str
    status: VulnerabilityStatus
    reason: str | None = None
    first_seen_scan_id: str
    last_seen_scan_id: str
    created_at: datetime
    updated_at: datetime


class VulnerabilityPatch(ApiModel):
    status: Literal["open", "ignored", "false_positive"]
    reason: str | None = Field(
        default=None, min_length=1, max_length=1000, description="Needed to accept one."
    )

    @model_validator(mode="after")
    def _accepting_needs_a_reason(self) -> VulnerabilityPatch:
        if self.status != "open" and not (self.reason or "").strip():
            raise ValueError(f"marking a vulnerability {self.status} needs a reason")
        return self


class AdvisoryStatus(ApiModel):
    advisories: int
    packages: int
    newest_modified: datetime | None
    last_imported_at: datetime | None
    sources: dict[str, int]
