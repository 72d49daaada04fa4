from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from conveyor.db import Base, UTCDateTime


class EventRecord(Base):
    """One row of the event log. ``seq`` is contiguous: assigned under a lock at commit."""

    __tablename__ = "events"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    event_type: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(8))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime())
    project_id: Mapped[str | None] = mapped_column(String(36))
    user_id: Mapped[str | None] = mapped_column(String(36))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (
        Index("ix_events_project_seq", "project_id", "seq"),
        Index("ix_events_user_seq", "user_id", "seq"),
        Index("ix_events_category_seq", "category", "seq"),
    )


class EventCursor(Base):
    """How far one reader of the event log got (``events/readers.py``; one row per reader)."""

    __tablename__ = "dispatch_cursors"  # named after its first reader, the notification dispatcher

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger)
