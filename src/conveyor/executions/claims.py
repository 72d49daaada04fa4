"""What a runner and the engine exchange about one job: the claim it runs under, its reports
(log lines, step changes, test cases, artifact files) and the heartbeat's answer. No database
code: the local run (``conveyor run``) and remote workers use them too."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from conveyor.basics import utcnow
from conveyor.pipelines.spec.plan import JobPlan
from conveyor.status import Status


@dataclass(frozen=True)
class ArtifactSource:
    """A needed job whose artifacts go into the workspace before the steps."""

    job_id: str
    key: str
    status: str
    named: bool  # listed in `dependencies:`: missing artifacts are an error, not a note


@dataclass(frozen=True)
class Claim:
    """Everything a runner needs to run one job."""

    job_id: str
    key: str
    execution_id: str
    pipeline_id: str
    project_id: str
    number: int
    attempt: int
    retries_left: int
    log_offset: int
    plan: JobPlan
    repo_url: str | None
    ref: str | None
    commit_sha: str | None
    trigger: str
    # the `needs` context (result and outputs of the jobs it needs) and the `conveyor` one
    needs: dict[str, Any] = field(default_factory=dict)
    conveyor: dict[str, Any] = field(default_factory=dict)
    artifact_sources: list[ArtifactSource] = field(default_factory=list)
    inputs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ArtifactFile:
    path: str  # relative to the workspace: the name users see
    source: Path
    size: int


@dataclass(frozen=True)
class TestCase:
    __test__ = False  # not a pytest class

    suite: str
    classname: str
    name: str
    status: str  # passed, failed, skipped
    duration: float
    message: str | None


@dataclass(frozen=True)
class Line:
    n: int
    step: int | None
    ts: datetime
    text: str
    origin: str = "step"  # or "runner": see LogLine.origin

    def wire(self) -> dict[str, object]:
        return {
            "n": self.n,
            "ts": self.ts.isoformat(),
            "step": self.step,
            "text": self.text,
            "origin": self.origin,
        }


@dataclass(frozen=True)
class StoredArtifact:
    id: str
    job_id: str
    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class StepChange:
    index: int
    status: Status
    exit_code: int | None = None
    error: str | None = None

    def values(self) -> dict[str, object]:
        values: dict[str, object] = {
            "status": self.status.value,
            "exit_code": self.exit_code,
            "error": self.error,
        }
        values["started_at" if self.status == Status.RUNNING else "finished_at"] = utcnow()
        return values


@dataclass(frozen=True)
class Heartbeat:
    held: bool
    cancel: bool
