"""Debug sessions: the errors found in a failed run, their classification and the patches offered."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from conveyor.db import Base, UTCDateTime, new_id, utcnow


class DebugSession(Base):
    __tablename__ = "debug_sessions"
    __table_args__ = (UniqueConstraint("execution_id", "attempt"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # None for a session opened by hand from a log alone: it then belongs to its creator.
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    execution_id: Mapped[str | None] = mapped_column(
        ForeignKey("pipeline_executions.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True)
    label: Mapped[str | None] = mapped_column(String(32))
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    top: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    failing_tests: Mapped[list[str]] = mapped_column(JSON, default=list)
    explanation: Mapped[str] = mapped_column(Text, default="")
    signature: Mapped[str | None] = mapped_column(String(64), index=True)
    log: Mapped[str | None] = deferred(mapped_column(Text))
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DebugError(Base):
    __tablename__ = "debug_errors"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(ForeignKey("debug_sessions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(64))
    tool: Mapped[str | None] = mapped_column(String(64))
    file: Mapped[str | None] = mapped_column(String(1000))
    line: Mapped[int | None] = mapped_column(Integer)
    column: Mapped[int | None] = mapped_column(Integer)
    test: Mapped[str | None] = mapped_column(String(1000))
    excerpt: Mapped[str] = mapped_column(Text, default="")
    job: Mapped[str | None] = mapped_column(String(255))
    step: Mapped[str | None] = mapped_column(String(255))
    log_line: Mapped[int | None] = mapped_column(Integer)


class DebugPatch(Base):
    __tablename__ = "debug_patches"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(ForeignKey("debug_sessions.id", ondelete="CASCADE"), index=True)
    fixer: Mapped[str] = mapped_column(String(64))
    # "repository": a diff of the project's files; "pipeline": a diff of the stored definition.
    target: Mapped[str] = mapped_column(String(16))
    diff: Mapped[str] = mapped_column(Text)
    files: Mapped[list[str]] = mapped_column(JSON, default=list)
    explanation: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    from_memory: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))
    base_commit: Mapped[str | None] = mapped_column(String(64))
    branch: Mapped[str | None] = mapped_column(String(255))
    commit: Mapped[str | None] = mapped_column(String(64))
    verification_execution_id: Mapped[str | None] = mapped_column(String(36), index=True)
    verified: Mapped[bool | None] = mapped_column(Boolean)
    # What apply changed, so that rollback restores it exactly.
    undo: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    applied_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rolled_back_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class FixMemory(Base):
    """A verified fix, remembered by the failure's signature within a project."""

    __tablename__ = "debug_fix_memory"
    __table_args__ = (UniqueConstraint("project_id", "signature"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    signature: Mapped[str] = mapped_column(String(64))
    fixer: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(16))
    diff: Mapped[str] = mapped_column(Text)
    files: Mapped[list[str]] = mapped_column(JSON, default=list)
    explanation: Mapped[str] = mapped_column(Text, default="")
    session_id: Mapped[str | None] = mapped_column(ForeignKey("debug_sessions.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FlakyRun(Base):
    """A job that failed and then passed on retry with the same commit."""

    __tablename__ = "debug_flaky_runs"
    __table_args__ = (UniqueConstraint("execution_id", "job_key", "attempt"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    pipeline_id: Mapped[str] = mapped_column(ForeignKey("pipelines.id", ondelete="CASCADE"))
    execution_id: Mapped[str] = mapped_column(ForeignKey("pipeline_executions.id", ondelete="CASCADE"))
    job_key: Mapped[str] = mapped_column(String(255))
    attempt: Mapped[int] = mapped_column(Integer)
    commit_sha: Mapped[str | None] = mapped_column(String(64))
    tests: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
