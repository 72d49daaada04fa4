"""A project's link to its forge and the commit statuses Conveyor sets there."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from conveyor.db import Base, UTCDateTime, new_id, utcnow


class ForgeLink(Base):
    """Where a project's commits live: the forge's kind, API and repository (the token is the
    project secret ``CONVEYOR_FORGE_TOKEN``). ``broken_reason`` is set when the forge refused the
    token (401) and cleared when the link is saved again."""

    __tablename__ = "forge_links"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    api_url: Mapped[str] = mapped_column(String(1000))
    repository: Mapped[str] = mapped_column(String(255))
    broken_reason: Mapped[str | None] = mapped_column(Text)
    broken_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CommitStatus(Base):
    """The status of one execution on its commit: one row per execution holding its latest state,
    sent (and retried) until the forge has it. ``version`` grows with each new state, so a send
    that raced a newer state does not mark it delivered."""

    __tablename__ = "forge_commit_statuses"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    execution_id: Mapped[str] = mapped_column(
        ForeignKey("pipeline_executions.id", ondelete="CASCADE"), unique=True
    )
    sha: Mapped[str] = mapped_column(String(64))
    ref: Mapped[str | None] = mapped_column(String(255))
    context: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16))  # pending, success, failure, error (GitHub's words)
    description: Mapped[str] = mapped_column(String(140))
    target_url: Mapped[str | None] = mapped_column(String(2000))
    version: Mapped[int] = mapped_column(Integer, default=1)
    delivery: Mapped[str] = mapped_column(String(16), index=True)  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    response_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
