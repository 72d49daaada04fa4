from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, field_validator

from conveyor.schemas import ApiModel


class WebhookKind(StrEnum):
    RUN_FAILED = "run_failed"
    RUN_FIXED = "run_fixed"
    PATCH_REVIEW = "patch_review"
    CRITICAL_VULNERABILITY = "critical_vulnerability"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookCreate(ApiModel):
    url: str = Field(min_length=8, max_length=2000)
    kinds: list[WebhookKind] = Field(default_factory=lambda: list(WebhookKind), min_length=1)
    secret: str | None = Field(default=None, min_length=16, max_length=128)

    @field_validator("url")
    @classmethod
    def _http_only(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError("a webhook URL starts with http:// or https://")
        return url


class WebhookRead(ApiModel):
    id: str
    project_id: str
    url: str
    kinds: list[WebhookKind]
    created_at: datetime


class WebhookCreated(WebhookRead):
    """The secret is shown once, at creation: receivers check ``X-Conveyor-Signature`` with it."""

    secret: str


class DeliveryRead(ApiModel):
    id: str
    webhook_id: str
    kind: str
    status: DeliveryStatus
    attempts: int
    response_code: int | None
    error: str | None
    created_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None
