"""The pipelines table: a project's named YAML definitions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from conveyor.db import Base, UTCDateTime, new_id, utcnow


class PipelineSource(StrEnum):
    API = "api"  # the definition stored through the REST API
    REPOSITORY = "repository"  # a file of the project's repository, read at each run's commit


class Pipeline(Base):
    """A project's pipeline. One from the repository keeps its file ``path``; its ``definition``
    is the file as last read on the default branch (or where it was first seen), for schedules
    and display: each run reads the file at its own commit. ``error`` says why that text does
    not validate (a repository file may be invalid; an API definition never is)."""

    __tablename__ = "pipelines"
    __table_args__ = (
        UniqueConstraint("project_id", "name"),
        UniqueConstraint("project_id", "path", name="uq_pipelines_project_id_path"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    definition: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16), default=PipelineSource.API, server_default="api")
    path: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str | None] = mapped_column(Text)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PipelineRevision(Base):
    """One saved version of a pipeline: its name and definition as they were, who saved them."""

    __tablename__ = "pipeline_revisions"
    __table_args__ = (UniqueConstraint("pipeline_id", "number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    pipeline_id: Mapped[str] = mapped_column(ForeignKey("pipelines.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    definition: Mapped[str] = mapped_column(Text)
    author_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
