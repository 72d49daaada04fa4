from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import AliasChoices, Field

from conveyor.schemas import ApiModel


class AlertSeverity(StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class AlertCreate(ApiModel):
    title: str = Field(min_length=1, max_length=200)
    severity: AlertSeverity
    message: str = Field(default="", max_length=10_000)
    source: str = Field(min_length=1, max_length=100)


class AlertUpdate(ApiModel):
    status: Literal[AlertStatus.ACKNOWLEDGED, AlertStatus.RESOLVED]


class AlertRead(ApiModel):
    alert_id: str = Field(validation_alias=AliasChoices("id", "alertId"))  # the row's id, or the wire form
    title: str
    severity: AlertSeverity
    message: str
    source: str
    status: AlertStatus
    created_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
