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
    APPROVAL = "approval"  # a run waits for a maintainer to approve a protected environment


class ActivityKind(StrEnum):
    """What a user did: the ``kind`` of every ``user_activity``, recorded by the service that does
    it, in the transaction of the change, through ``notifications.service.activity``."""

    LOGIN = "login"
    LOGOUT = "logout"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET = "password_reset"
    TOKEN_CREATED = "token_created"
    TOKEN_REVOKED = "token_revoked"
    WORKER_TOKEN_CREATED = "worker_token_created"
    WORKER_TOKEN_REVOKED = "worker_token_revoked"
    USER_CREATED = "user_created"
    USER_UPDATED = "user_updated"
    USER_DELETED = "user_deleted"
    PROJECT_CREATED = "project_created"
    PROJECT_UPDATED = "project_updated"
    PROJECT_DELETED = "project_deleted"
    MEMBER_CHANGED = "member_changed"
    MEMBER_REMOVED = "member_removed"
    RUN_TRIGGERED = "triggered"
    RUN_RETRIED = "retried"
    RUN_CANCELLED = "cancelled"
    PATCH_APPLIED = "patch_applied"
    PATCH_ROLLED_BACK = "patch_rolled_back"
    SECURITY_POLICY_UPDATED = "security_policy_updated"
    VULNERABILITY_TRIAGED = "security_vulnerability_triaged"
    DEPLOYMENT_APPROVED = "deployment_approved"  # jobs of a protected environment (executions/)
    DEPLOYMENT_REJECTED = "deployment_rejected"


class PreferencesRead(ApiModel):
    """``kinds``: every kind with whether the user receives it; ``email``: also by e-mail."""

    kinds: dict[NotificationKind, bool]
    email: bool


class PreferencesUpdate(ApiModel):
    kinds: dict[NotificationKind, bool] = {}
    email: bool | None = None


class UnreadCount(ApiModel):
    unread: int
