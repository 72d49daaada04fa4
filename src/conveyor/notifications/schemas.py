from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from conveyor.schemas import ApiModel


class NotificationRead(ApiModel):
    id: str
    kind: str
    title: str
    body: str
    priority: str
    project_id: str | None
    created_at: datetime
    read_at: datetime | None


class NotificationKind(StrEnum):
    RUN_FIXED = "run_fixed"
    PATCH_REVIEW = "patch_review"
    SYSTEM_ALERT = "system_alert"
    DEBUG_SESSION = "debug_session"  # a run failed and was diagnosed (debug/)
    SECURITY = "security"  # critical or high findings (security/)
    MEMBERSHIP = "membership"


class PreferencesRead(ApiModel):
    """``kinds``: every kind with whether the user receives it; ``email``: also by e-mail."""

    kinds: dict[NotificationKind, bool]
    email: bool


class PreferencesUpdate(ApiModel):
    kinds: dict[NotificationKind, bool] = {}
    email: bool | None = None


class UnreadCount(ApiModel):
    unread: int
