"""Read schemas of the security domain (a leaf: pydantic and shared modules only)."""

from __future__ import annotations

from datetime import date
from typing import Final, Literal

from pydantic import Field

from conveyor.schemas import ApiModel

Severity = Literal["critical", "high", "medium", "low", "info"]
Kind = Literal["code", "secret", "dependency"]
ScannerStatus = Literal["queued", "running", "completed", "failed", "skipped"]

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


class Policy(ApiModel):
    fail_on: Severity | None = Field(
        default="high", description="Fail on new findings at or above; null: never."
    )
    allow: list[AllowEntry] = Field(default_factory=list, max_length=500)
