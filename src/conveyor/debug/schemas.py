"""Public data shapes of the failure-diagnosis library.

``ClassificationResult.model_dump()`` is exactly the JSON printed by
``conveyor debug classify`` and returned by ``POST /api/v1/debug/classify``::

    {
      "label": "dependency_missing" | ... | null,
      "confidence": 0.93,
      "top": [{"label": "dependency_missing", "confidence": 0.93}, ...],
      "errors": [
        {"message": "No module named 'yaml'", "kind": "import_error",
         "tool": "python", "file": "app/main.py", "line": 3, "column": null,
         "test": null, "exit_code": null, "excerpt": "Traceback ...\\nModuleNotFoundError: ..."}
      ],
      "failing_tests": []
    }

``file`` is relative to the repository when the log shows it inside the CI checkout.

``label`` is ``null`` (and ``confidence`` 0, ``top`` empty) when the log holds
nothing to classify: empty or whitespace-only input.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from conveyor.schemas import ApiModel

LABELS: Final[tuple[str, ...]] = (
    "dependency_missing",
    "dependency_conflict",
    "compile_error",
    "test_failure",
    "lint_format",
    "type_check",
    "timeout",
    "out_of_memory",
    "network",
    "permission_auth",
    "configuration",
    "disk_space",
    "infrastructure",
)


class DetectedError(BaseModel):
    """One distinct error found in a log."""

    model_config = ConfigDict(frozen=True)

    message: str = Field(description="The error message, one line.")
    kind: str = Field(description="Detection kind, e.g. import_error, link_error, oom_killed.")
    tool: str | None = Field(description="Tool or CI system that printed it, if known.")
    file: str | None = Field(default=None, description="Source file the log names, if any.")
    line: int | None = Field(default=None, description="Line number in that file, if any.")
    column: int | None = Field(default=None, description="Column in that line, if the log gives one.")
    test: str | None = Field(default=None, description="The failing test this error reports, if named.")
    exit_code: int | None = Field(default=None, description="Process exit code, if shown.")
    excerpt: str = Field(description="The error line with a few lines of context.")


class LabelScore(BaseModel):
    """A label with its calibrated probability."""

    label: str
    confidence: float


class ClassificationResult(BaseModel):
    """Diagnosis of one CI log."""

    label: str | None
    confidence: float
    top: list[LabelScore]
    errors: list[DetectedError]
    failing_tests: list[str] = Field(
        default_factory=list, description="Names of the failing tests the log reports, in log order."
    )


class InvalidLogError(ValueError):
    """The input cannot be analysed as a CI log (the HTTP route maps this to 4xx)."""


class LogTooLargeError(InvalidLogError):
    """The input exceeds ``MAX_LOG_BYTES``."""


class BinaryLogError(InvalidLogError):
    """The input is binary data, not text."""


class SessionStatus(StrEnum):
    ANALYZING = "analyzing"
    DIAGNOSED = "diagnosed"
    PATCH_PROPOSED = "patch_proposed"
    VERIFYING = "verifying"
    FIXED = "fixed"
    UNFIXED = "unfixed"
    ROLLED_BACK = "rolled_back"


class PatchStatus(StrEnum):
    PROPOSED = "proposed"
    VERIFYING = "verifying"
    VERIFIED = "verified"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"


class PatchTarget(StrEnum):
    REPOSITORY = "repository"
    PIPELINE = "pipeline"


class DebugErrorRead(ApiModel):
    id: str
    message: str
    kind: str
    tool: str | None
    file: str | None
    line: int | None
    column: int | None
    test: str | None
    excerpt: str
    job: str | None
    step: str | None
    log_line: int | None = Field(description="Number of the job's log line the error was read from.")


class ClassificationRead(ApiModel):
    label: str | None
    confidence: float
    top: list[LabelScore]


class PatchResult(ApiModel):
    """What apply or rollback did: ``success`` is whether that action itself worked."""

    success: bool
    message: str
    branch: str | None = None
    commit: str | None = None
    verification_execution_id: str | None = None
    verified: bool | None = None


class PatchRead(ApiModel):
    id: str
    session_id: str
    fixer: str
    target: PatchTarget
    diff: str
    files: list[str]
    explanation: str
    confidence: float
    from_memory: bool
    status: PatchStatus
    branch: str | None
    commit: str | None
    verification_execution_id: str | None
    verified: bool | None
    error: str | None
    created_at: datetime
    applied_at: datetime | None
    rolled_back_at: datetime | None


class DebugSessionRead(ApiModel):
    session_id: str
    project_id: str | None
    execution_id: str | None
    status: SessionStatus
    explanation: str
    errors: list[DebugErrorRead]
    classification: ClassificationRead
    failing_tests: list[str]
    patches: list[PatchRead]
    created_at: datetime
    updated_at: datetime


class SessionCreate(ApiModel):
    """Open a session by hand: for an execution, or for a log (optionally in a project)."""

    execution_id: str | None = None
    log: str | None = None
    project_id: str | None = None


class FlakyJobRead(ApiModel):
    """A job of a project that failed and then passed on retry with the same commit."""

    pipeline_id: str
    job_key: str
    flaky_runs: int
    last_seen: datetime
    last_execution_id: str
    tests: list[str]
