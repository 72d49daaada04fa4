"""Ids and timestamps, the same in every layer (no database code: ``conveyor run`` uses them)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())
