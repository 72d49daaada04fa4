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
    cause: str | None = None
    created_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None


class Health(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"
    UNKNOWN = "unknown"  # a component that cannot be checked here (not configured); never counted


class ComponentRead(ApiModel):
    name: str
    status: Health
    detail: str
    checked_at: datetime


class SystemStatusRead(ApiModel):
    status: Health
    version: str
    node: str
    uptime_seconds: float
    components: list[ComponentRead]


class HostMetrics(ApiModel):
    cpu_percent: float
    memory_percent: float
    memory_used_bytes: int
    disk_percent: float
    disk_free_bytes: int


class PlatformMetrics(ApiModel):
    jobs_queued: int
    jobs_running: int
    jobs_lost: int  # jobs whose runner stopped heartbeating, over the window
    executions_finished: int
    executions_per_minute: float
    failure_rate: float  # failed / finished executions over the window, 0..1
    step_duration_p50_seconds: float | None
    step_duration_p95_seconds: float | None
    connected_sockets: int
    events_per_second: float
    event_log_size: int


class MetricsRead(ApiModel):
    node: str
    at: datetime
    window_seconds: float
    host: HostMetrics | None
    platform: PlatformMetrics | None
    errors: dict[str, str]  # source -> why it failed this tick


class MetricsHistoryRead(ApiModel):
    current: MetricsRead | None
    history: list[MetricsRead]
