"""Read schemas of the security domain (a leaf: pydantic and shared modules only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Final, Literal

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


# --- the worker API's half of ``uses: conveyor/security-scan`` (security/recorder.py) ---------

ScannerName = Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[a-z0-9][a-z0-9-]*$")]
Alias = Annotated[str, Field(min_length=1, max_length=100)]
MAX_STEP_FINDINGS = 5000  # per scanner (scanners/base.MAX_FINDINGS)


class FindingWire(ApiModel):
    """A finding as a worker's step sends it: a scanner's ``Finding`` (never the secret itself)."""

    scanner: ScannerName
    kind: Kind
    rule_id: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=500)
    severity: Severity
    fingerprint: str = Field(pattern=r"^[0-9a-f]{32}$")
    remediation: str = Field(max_length=4000)
    file: str | None = Field(default=None, min_length=1, max_length=1000)
    line: int | None = Field(default=None, ge=0)
    cwe: str | None = Field(default=None, max_length=100)
    cve: str | None = Field(default=None, max_length=100)
    ghsa: str | None = Field(default=None, max_length=100)
    aliases: list[Alias] = Field(default_factory=list, max_length=50)
    package: str | None = Field(default=None, min_length=1, max_length=300)
    version: str | None = Field(default=None, max_length=200)
    fixed_version: str | None = Field(default=None, max_length=200)


class ScannerProgress(ApiModel):
    """One scanner started or ended (its findings come with the scan's end)."""

    name: ScannerName
    status: ScannerStatus
    findings: int = Field(default=0, ge=0)
    seconds: float = Field(default=0.0, ge=0)
    error: str | None = Field(default=None, max_length=2000)


class ScannerResult(ScannerProgress):
    found: list[FindingWire] = Field(default_factory=list, max_length=MAX_STEP_FINDINGS)

    @model_validator(mode="after")
    def _findings_are_its_own(self) -> ScannerResult:
        if any(f.scanner != self.name for f in self.found):
            raise ValueError(f"scanner {self.name} sent findings of another scanner")
        return self


class StepScanStart(ApiModel):
    pass


class StepScanFinish(ApiModel):
    runs: list[ScannerResult] = Field(min_length=1, max_length=10)

    @model_validator(mode="after")
    def _each_scanner_once(self) -> StepScanFinish:
        names = [run.name for run in self.runs]
        if len(set(names)) != len(names):
            raise ValueError("each scanner may appear once")
        return self


class StepScanFail(ApiModel):
    error: str = Field(min_length=1, max_length=2000)


class StepScanResult(ApiModel):
    """The recorded scan and the vulnerabilities that broke the project's policy in it."""

    scan: ScanRead
    violations: list[VulnerabilityRead]


class PackageKey(ApiModel):
    ecosystem: Literal["PyPI", "npm"]
    name: str = Field(min_length=1, max_length=300)


class AdvisoryQuery(ApiModel):
    packages: list[PackageKey] = Field(max_length=20_000)


class AdvisoryRecords(ApiModel):
    """The OSV records that name any of the packages asked about."""

    records: list[dict[str, Any]]
