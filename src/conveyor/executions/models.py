"""Executions of pipelines: their jobs, steps, log lines and artifacts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column
from sqlalchemy.sql.expression import false

from conveyor.db import Base, PydanticJSON, UTCDateTime, new_id, utcnow
from conveyor.pipelines.models import Pipeline
from conveyor.pipelines.spec.plan import JobPlan


class Execution(Base):
    __tablename__ = "pipeline_executions"
    __table_args__ = (
        UniqueConstraint("pipeline_id", "number"),
        Index("ix_pipeline_executions_project_group", "project_id", "concurrency_group"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # The column, not "pipelines.id": a worker that imports only executions still maps the table.
    pipeline_id: Mapped[str] = mapped_column(ForeignKey(Pipeline.id, ondelete="CASCADE"), index=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True)
    trigger: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str | None] = mapped_column(String(255))
    commit_sha: Mapped[str | None] = mapped_column(String(64))
    commit_message: Mapped[str | None] = mapped_column(Text)
    commit_author: Mapped[str | None] = mapped_column(String(255))
    # a pull (GitHub) or merge (GitLab) request's run: its number, title and branches
    pull_request: Mapped[int | None] = mapped_column(Integer)
    pull_request_title: Mapped[str | None] = mapped_column(String(255))
    base_ref: Mapped[str | None] = mapped_column(String(255))
    head_ref: Mapped[str | None] = mapped_column(String(255))
    from_fork: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    definition: Mapped[str] = deferred(mapped_column(Text))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    error: Mapped[str | None] = mapped_column(Text)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    inputs: Mapped[dict[str, object] | None] = mapped_column(JSON)
    concurrency_group: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Job(Base):
    __tablename__ = "pipeline_jobs"
    __table_args__ = (
        UniqueConstraint("execution_id", "key"),
        Index("ix_pipeline_jobs_status_lease", "status", "lease_expires_at"),
        Index("ix_pipeline_jobs_concurrency_group", "concurrency_group"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    execution_id: Mapped[str] = mapped_column(
        ForeignKey("pipeline_executions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    needs: Mapped[list[str]] = mapped_column(JSON)
    plan: Mapped[JobPlan] = mapped_column(PydanticJSON(JobPlan))
    status: Mapped[str] = mapped_column(String(16))
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    retries_left: Mapped[int] = mapped_column(Integer, default=0)
    runner: Mapped[str | None] = mapped_column(String(255))
    # The worker token (workers/) whose worker claimed the job: only it may report on the job.
    worker_token_id: Mapped[str | None] = mapped_column(String(36))
    pgid: Mapped[int | None] = mapped_column(Integer)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # why a queued job does not run yet (no runner has its labels, ...), and since when
    wait_reason: Mapped[str | None] = mapped_column(Text)
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    concurrency_group: Mapped[str | None] = mapped_column(String(255))  # filled when it is ready
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    exit_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    log_lines: Mapped[int] = mapped_column(Integer, default=0)
    outputs: Mapped[dict[str, str] | None] = mapped_column(JSON)
    caches: Mapped[list[dict[str, object]] | None] = mapped_column(JSON)
    tests: Mapped[dict[str, int] | None] = mapped_column(JSON)  # passed, failed, skipped
    environment: Mapped[dict[str, str | None] | None] = mapped_column(JSON)  # {name, url}
    # a maintainer's decision on a job of a protected environment: {decision, userId, username,
    # comment, at}
    approval: Mapped[dict[str, str | None] | None] = mapped_column(JSON)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Step(Base):
    __tablename__ = "pipeline_steps"
    __table_args__ = (UniqueConstraint("job_id", "position"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    job_id: Mapped[str] = mapped_column(ForeignKey("pipeline_jobs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    exit_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LogLine(Base):
    """One line of a job's log; ``n`` counts from 0 across all attempts of the job."""

    __tablename__ = "pipeline_log_lines"

    job_id: Mapped[str] = mapped_column(ForeignKey("pipeline_jobs.id", ondelete="CASCADE"), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    step: Mapped[int | None] = mapped_column(Integer)
    ts: Mapped[datetime] = mapped_column(UTCDateTime())
    text: Mapped[str] = mapped_column(Text)
    # "step" (what the step printed: never trusted) or "runner" (what the runner says about it)
    origin: Mapped[str] = mapped_column(String(8), default="step", server_default="step")


class PushDelivery(Base):
    """A push delivery already acted on: a replay of the same delivery id starts nothing."""

    __tablename__ = "push_deliveries"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    delivery_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Artifact(Base):
    __tablename__ = "pipeline_artifacts"
    __table_args__ = (UniqueConstraint("job_id", "path"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    execution_id: Mapped[str] = mapped_column(
        ForeignKey("pipeline_executions.id", ondelete="CASCADE"), index=True
    )
    job_id: Mapped[str] = mapped_column(ForeignKey("pipeline_jobs.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(1000))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ArtifactChunk(Base):
    """An artifact's bytes, in order: written and read a chunk at a time."""

    __tablename__ = "pipeline_artifact_chunks"

    artifact_id: Mapped[str] = mapped_column(
        ForeignKey("pipeline_artifacts.id", ondelete="CASCADE"), primary_key=True
    )
    n: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class TestResult(Base):
    """One test case from a job's JUnit reports."""

    __tablename__ = "pipeline_test_results"
    __test__ = False  # not a pytest class

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    execution_id: Mapped[str] = mapped_column(
        ForeignKey("pipeline_executions.id", ondelete="CASCADE"), index=True
    )
    job_id: Mapped[str] = mapped_column(ForeignKey("pipeline_jobs.id", ondelete="CASCADE"), index=True)
    suite: Mapped[str] = mapped_column(String(500))
    classname: Mapped[str] = mapped_column(String(500))
    name: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(16))  # passed, failed, skipped
    duration: Mapped[float] = mapped_column(Float)
    message: Mapped[str | None] = mapped_column(Text)
