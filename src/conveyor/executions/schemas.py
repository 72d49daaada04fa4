"""What clients send and receive about executions, their jobs, steps, logs and artifacts."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from conveyor.schemas import ApiModel
from conveyor.status import Status


class ExecutionCreate(ApiModel):
    ref: str | None = Field(default=None, min_length=1, max_length=255)
    inputs: dict[str, str | bool | float | None] = Field(default_factory=dict, max_length=100)


class ExecutionAccepted(ApiModel):
    execution_id: str


class StepRead(ApiModel):
    index: int = Field(validation_alias="position")
    name: str
    status: Status
    exit_code: int | None
    error: str | None
    started_at: datetime | None
    finished_at: datetime | None


class CacheRead(ApiModel):
    """What one of a job's caches did: ``exact`` hit, ``partial`` (a restore key matched) or ``miss``."""

    key: str
    hit: str
    restored_key: str | None = None
    saved: bool = False
    size: int | None = None


class TestSummary(ApiModel):
    __test__ = False  # not a pytest class

    passed: int = 0
    failed: int = 0
    skipped: int = 0


class TestResultRead(ApiModel):
    __test__ = False

    job_id: str
    suite: str
    classname: str
    name: str
    status: str
    duration: float
    message: str | None


class TestReport(ApiModel):
    __test__ = False

    execution_id: str
    summary: TestSummary
    tests: list[TestResultRead]  # failures first


class EnvironmentRead(ApiModel):
    name: str
    url: str | None = None


class ApprovalRead(ApiModel):
    """A maintainer's decision on a job of a protected environment."""

    decision: Literal["approved", "rejected"]
    user_id: str | None
    username: str
    comment: str | None = None
    at: datetime


class ApprovalDecision(ApiModel):
    comment: str | None = Field(default=None, max_length=1000)


class JobRead(ApiModel):
    id: str
    key: str
    name: str
    status: Status
    needs: list[str]
    attempt: int
    runner: str | None
    exit_code: int | None
    error: str | None
    wait_reason: str | None = Field(
        default=None, description="why the queued job does not run yet (e.g. no runner has its labels)"
    )
    log_lines: int
    outputs: dict[str, str] | None = None
    caches: list[CacheRead] | None = None
    tests: TestSummary | None = None
    environment: EnvironmentRead | None = None
    approval: ApprovalRead | None = None
    started_at: datetime | None
    finished_at: datetime | None
    steps: list[StepRead] = []


class ExecutionRead(ApiModel):
    id: str
    pipeline_id: str
    project_id: str
    number: int
    status: Status
    trigger: str
    ref: str | None
    commit_sha: str | None
    commit_message: str | None = None
    commit_author: str | None = None
    pull_request: int | None = None
    pull_request_title: str | None = None
    base_ref: str | None = None
    head_ref: str | None = None
    from_fork: bool = Field(default=False, description="a pull request from a fork: its jobs get no secrets")
    attempt: int
    actor_id: str | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    inputs: dict[str, str | bool | float | None] | None = None
    concurrency_group: str | None = None
    tests: TestSummary | None = None  # of every job with JUnit reports
    jobs: list[JobRead] = []


class ExecutionSummary(ApiModel):
    """One run in a list across projects: what it is and where it belongs, without its jobs."""

    id: str
    pipeline_id: str
    pipeline_name: str
    project_id: str
    project_name: str
    number: int
    status: Status
    trigger: str
    ref: str | None
    commit_sha: str | None
    commit_message: str | None = None
    commit_author: str | None = None
    pull_request: int | None = None
    pull_request_title: str | None = None
    base_ref: str | None = None
    head_ref: str | None = None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class LogLineRead(ApiModel):
    n: int
    ts: datetime
    step: int | None
    text: str
    origin: Literal["step", "runner"] = Field(
        default="step", description="who wrote the line: the step's output, or the runner about it"
    )


class JobLog(ApiModel):
    job_id: str
    key: str
    offset: int
    next_offset: int
    done: bool
    lines: list[LogLineRead]


class LogPage(ApiModel):
    execution_id: str
    jobs: list[JobLog]


class ArtifactRead(ApiModel):
    id: str
    job_id: str
    path: str
    size: int
    sha256: str
    created_at: datetime


class PushAccepted(ApiModel):
    execution_ids: list[str]
