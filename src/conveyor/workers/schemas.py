"""Worker tokens, and the wire format of the worker API (both ends: the routes here and the
worker's client in ``runners/remote.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from conveyor.architecture.schemas import DiagramStore
from conveyor.schemas import ApiModel
from conveyor.security.schemas import AdvisoryQuery, ScannerProgress, StepScanFail, StepScanFinish
from conveyor.status import Status

RunnerName = Field(
    min_length=1, max_length=255, description="The worker process's runner id, e.g. celery@host:1a2b"
)


class WorkerTokenCreate(ApiModel):
    name: str = Field(min_length=1, max_length=100, description="Which workers use it, e.g. 'build farm'")


class WorkerTokenRead(ApiModel):
    id: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class WorkerTokenCreated(WorkerTokenRead):
    token: str = Field(description="Shown once: give it to the workers as CONVEYOR_WORKER_TOKEN")


class RunnerRequest(ApiModel):
    runner: str = RunnerName


class ClaimRequest(RunnerRequest):
    labels: list[str] | None = Field(
        default=None, max_length=100, description="What `runs-on` the worker satisfies; null: every job"
    )


class SourceWire(ApiModel):
    """A job whose artifacts go into the claimed job's workspace."""

    job_id: str
    key: str
    status: str
    named: bool


class JobAssignment(ApiModel):
    """Everything a worker needs to run the job it claimed, its project's secrets included."""

    job_id: str
    key: str
    execution_id: str
    pipeline_id: str
    project_id: str
    number: int
    attempt: int
    retries_left: int
    log_offset: int
    plan: dict[str, Any] = Field(description="The job's plan, as the server stores it")
    repo_url: str | None
    ref: str | None
    commit_sha: str | None
    trigger: str
    needs: dict[str, Any]
    conveyor: dict[str, Any]
    artifact_sources: list[SourceWire]
    inputs: dict[str, Any]
    secrets: dict[str, str]


class LineWire(ApiModel):
    n: int = Field(ge=0)
    step: int | None = Field(ge=0)
    ts: datetime
    text: str
    origin: Literal["step", "runner"]


class StepChangeWire(ApiModel):
    index: int = Field(ge=0)
    status: Status
    exit_code: int | None
    error: str | None


class ReportRequest(RunnerRequest):
    lines: list[LineWire] = Field(max_length=10_000)
    steps: list[StepChangeWire] = Field(max_length=1_000)


class Held(ApiModel):
    held: bool = Field(description="False once this runner no longer holds the job: it must stop")


class HeartbeatRequest(RunnerRequest):
    pgid: int | None = Field(default=None, ge=1)


class HeartbeatReply(Held):
    cancel: bool = Field(description="A user cancelled the job: stop it and report it cancelled")


class CommitRequest(RunnerRequest):
    sha: str = Field(pattern=r"^[0-9a-f]{40,64}$")


class FinishRequest(RunnerRequest):
    status: Status
    exit_code: int | None
    error: str | None
    outputs: dict[str, str] | None
    caches: list[dict[str, Any]] | None


class TestCaseWire(ApiModel):
    __test__ = False  # not a pytest class

    suite: str
    classname: str
    name: str
    status: Literal["passed", "failed", "skipped"]
    duration: float
    message: str | None


class TestResultsRequest(RunnerRequest):
    __test__ = False

    cases: list[TestCaseWire] = Field(max_length=100_000)


class TestSummary(ApiModel):
    __test__ = False

    passed: int
    failed: int
    skipped: int


class StoredArtifactWire(ApiModel):
    id: str
    job_id: str
    path: str
    size: int
    sha256: str


# --- built-in steps on workers: what ``security/recorder.py`` and ``architecture/recorder.py``
# send for the job the worker claimed (the project is always that job's) ---


class ScanProgressRequest(RunnerRequest, ScannerProgress):
    pass


class ScanFinishRequest(RunnerRequest, StepScanFinish):
    pass


class ScanFailRequest(RunnerRequest, StepScanFail):
    pass


class AdvisoryRequest(RunnerRequest, AdvisoryQuery):
    pass


class DiagramStoreRequest(RunnerRequest, DiagramStore):
    pass
