from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from conveyor.db import Base, UTCDateTime, new_id, utcnow


class ArchitectureDiagram(Base):
    __tablename__ = "architecture_diagrams"
    __table_args__ = (Index("ix_architecture_diagrams_project_created", "project_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    ref: Mapped[str | None] = mapped_column(String(255))
    commit_sha: Mapped[str | None] = mapped_column(String(64))
    depth: Mapped[int] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(16))
    graph: Mapped[dict[str, Any]] = mapped_column(JSON)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    mermaid: Mapped[str] = mapped_column(Text)
    previous_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ArchitectureConfig(Base):
    """A project's architecture settings (missing: the defaults)."""

    __tablename__ = "architecture_settings"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    depth: Mapped[int] = mapped_column(Integer, default=2)
    layers: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    auto: Mapped[bool] = mapped_column(Boolean, default=False)
