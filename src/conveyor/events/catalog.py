"""THE list of event types: name, category, priority rule, audience and payload model.

Everything else (the bus, the Socket.IO API, the AsyncAPI document, the TypeScript types)
reads this module; an event type written anywhere else is a bug. Payloads reference the domains'
read schemas (``ExecutionRead``...): the one thing of a domain ``events`` may import, since a
domain's ``schemas`` module imports nothing but pydantic and shared modules (docs/architecture.md).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict
from pydantic.json_schema import DEFAULT_REF_TEMPLATE, GenerateJsonSchema

from conveyor.executions.schemas import ExecutionRead
from conveyor.notifications.schemas import NotificationRead
from conveyor.pipelines.schemas import PipelineRead
from conveyor.status import FAILED_ON_ITS_OWN

if TYPE_CHECKING:
    from conveyor.architecture.schemas import DiagramRead
    from conveyor.debug.schemas import (
        ClassificationRead,
        DebugErrorRead,
        DebugSessionRead,
        PatchRead,
        PatchResult,
    )
    from conveyor.security.schemas import ScanRead, VulnerabilityRead
    from conveyor.system.schemas import AlertRead, MetricsRead, SystemStatusRead

# The read schemas of the domains whose events a local `conveyor run` never publishes, by the
# module that defines each: imported when a payload naming one is first built (EventData), so
# that the run does not load them (~60 ms of its start).
LATER_PARTS = {
    "conveyor.architecture.schemas": ("DiagramRead",),
    "conveyor.debug.schemas": (
        "ClassificationRead",
        "DebugErrorRead",
        "DebugSessionRead",
        "PatchRead",
        "PatchResult",
    ),
    "conveyor.security.schemas": ("ScanRead", "VulnerabilityRead"),
    "conveyor.system.schemas": ("AlertRead", "MetricsRead", "SystemStatusRead"),
}


class EventCategory(StrEnum):
    PIPELINE = "PIPELINE"
    SECURITY = "SECURITY"
    DEBUG = "DEBUG"
    SYSTEM = "SYSTEM"
    ARCHITECTURE = "ARCHITECTURE"
    USER = "USER"


class EventPriority(StrEnum):
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"

    @property
    def rank(self) -> int:
        return {"LOW": 0, "MEDIUM": 1, "HIGH": 2}[self.value]


class Audience(StrEnum):
    """Who may receive an event: a project's members, one user, or every authenticated client."""

    PROJECT = "project"
    USER = "user"
    GLOBAL = "global"


class EventType(StrEnum):
    PIPELINE_CREATED = "pipeline_created"
    PIPELINE_UPDATED = "pipeline_updated"
    PIPELINE_DELETED = "pipeline_deleted"
    PIPELINE_EXECUTION_STARTED = "pipeline_execution_started"
    PIPELINE_EXECUTION_UPDATED = "pipeline_execution_updated"
    PIPELINE_EXECUTION_COMPLETED = "pipeline_execution_completed"
    PIPELINE_LOG = "pipeline_log"
    SECURITY_VULNERABILITY_DETECTED = "security_vulnerability_detected"
    SECURITY_VULNERABILITY_UPDATED = "security_vulnerability_updated"
    SECURITY_SCAN_STARTED = "security_scan_started"
    SECURITY_SCAN_UPDATED = "security_scan_updated"
    SECURITY_SCAN_COMPLETED = "security_scan_completed"
    DEBUG_SESSION_CREATED = "debug_session_created"
    DEBUG_SESSION_UPDATED = "debug_session_updated"
    DEBUG_ERROR_DETECTED = "debug_error_detected"
    DEBUG_ML_CLASSIFICATION = "debug_ml_classification"
    DEBUG_PATCH_GENERATED = "debug_patch_generated"
    DEBUG_PATCH_APPLIED = "debug_patch_applied"
    DEBUG_PATCH_ROLLBACK = "debug_patch_rollback"
    SYSTEM_STATUS_UPDATE = "system_status_update"
    SYSTEM_METRICS_UPDATE = "system_metrics_update"
    SYSTEM_ALERT = "system_alert"
    ARCHITECTURE_DIAGRAM_UPDATE = "architecture_diagram_update"
    USER_NOTIFICATION = "user_notification"
    USER_ACTIVITY = "user_activity"


class EventData(BaseModel):
    """Base of every payload: exactly the fields of the spec's "Data Structure" column.

    Built at its first use (``defer_build``); a payload that names one of ``LATER_PARTS`` imports
    its module then."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    @classmethod
    def model_rebuild(
        cls,
        *,
        force: bool = False,
        raise_errors: bool = True,
        _parent_namespace_depth: int = 2,
        _types_namespace: Mapping[str, Any] | None = None,
    ) -> bool | None:
        return super().model_rebuild(
            force=force,
            raise_errors=raise_errors,
            _types_namespace={**_later_parts_of(cls), **(_types_namespace or {})},
        )


def _later_parts_of(model: type[BaseModel]) -> dict[str, Any]:
    named = {str(annotation) for annotation in model.__annotations__.values()}
    return {
        name: getattr(importlib.import_module(module), name)
        for module, names in LATER_PARTS.items()
        for name in names
        if name in named
    }


Obj = dict[str, Any]


class PipelineData(EventData):
    pipelineId: str
    pipeline: PipelineRead


class PipelineDeletedData(EventData):
    pipelineId: str


class ExecutionData(EventData):
    executionId: str
    pipelineId: str
    execution: ExecutionRead


class PipelineLogData(EventData):
    """A batch of log lines of one job; ``offset`` is the number of the first line (0-based)."""

    executionId: str
    pipelineId: str
    jobId: str
    offset: int
    # Not LogLineRead: its ts would be written "...Z" where these have always said "...+00:00".
    lines: list[Obj]


class VulnerabilityData(EventData):
    vulnerabilityId: str
    vulnerability: VulnerabilityRead


class ScanData(EventData):
    scanId: str
    scan: ScanRead


class DebugSessionData(EventData):
    sessionId: str
    session: DebugSessionRead


class DebugErrorData(EventData):
    sessionId: str
    errorId: str
    error: DebugErrorRead


class DebugClassificationData(EventData):
    """``errorId`` is the session's first error ("" when the log showed none)."""

    sessionId: str
    errorId: str
    classifications: ClassificationRead


class DebugPatchData(EventData):
    sessionId: str
    patchId: str
    patch: PatchRead


class DebugPatchResultData(EventData):
    sessionId: str
    patchId: str
    result: PatchResult


class SystemStatusData(EventData):
    status: SystemStatusRead


class SystemMetricsData(EventData):
    metrics: MetricsRead


class SystemAlertData(EventData):
    alertId: str
    alert: AlertRead


class ArchitectureDiagramData(EventData):
    diagramId: str
    diagram: DiagramRead


class UserNotificationData(EventData):
    notificationId: str
    notification: NotificationRead


class UserActivityData(EventData):
    activityId: str
    activity: Obj


PriorityRule = EventPriority | Callable[[Mapping[str, Any]], EventPriority]


@dataclass(frozen=True)
class EventSpec:
    event_type: EventType
    category: EventCategory
    description: str
    data_model: type[EventData]
    priority: PriorityRule
    priority_rule: str
    audiences: frozenset[Audience]

    def priority_for(self, data: Mapping[str, Any]) -> EventPriority:
        return self.priority if isinstance(self.priority, EventPriority) else self.priority(data)

    def json_schema(self, ref_template: str = DEFAULT_REF_TEMPLATE) -> dict[str, Any]:
        """The payload as clients receive it: wire (camelCase) names, every field present."""
        schema = self.data_model.model_json_schema(
            mode="serialization", ref_template=ref_template, schema_generator=_WireSchema
        )
        for prop in schema["properties"].values():
            if "$ref" in prop:  # every referenced payload part is a read schema: an object
                prop["type"] = "object"
        return schema


class _WireSchema(GenerateJsonSchema):
    """Serialization schemas list fields with defaults as required: the server always sends them."""

    def field_is_required(self, field: Any, total: bool) -> bool:
        return self.mode == "serialization" or super().field_is_required(field, total)


SEVERITY_PRIORITY = {
    "critical": EventPriority.HIGH,
    "high": EventPriority.HIGH,
    "warning": EventPriority.MEDIUM,
    "medium": EventPriority.MEDIUM,
    "moderate": EventPriority.MEDIUM,
    "info": EventPriority.LOW,
    "low": EventPriority.LOW,
}


def _by_severity(key: str, default: EventPriority) -> Callable[[Mapping[str, Any]], EventPriority]:
    def rule(data: Mapping[str, Any]) -> EventPriority:
        severity = str(data.get(key, {}).get("severity", "")).lower()
        return SEVERITY_PRIORITY.get(severity, default)

    return rule


def _alert_priority(data: Mapping[str, Any]) -> EventPriority:
    if data.get("alert", {}).get("status", "open") != "open":
        return EventPriority.LOW
    return _by_severity("alert", EventPriority.MEDIUM)(data)


def _execution_outcome(data: Mapping[str, Any]) -> EventPriority:
    status = str(data.get("execution", {}).get("status", ""))
    return EventPriority.HIGH if status in FAILED_ON_ITS_OWN else EventPriority.MEDIUM


def _scan_outcome(data: Mapping[str, Any]) -> EventPriority:
    scan = data.get("scan", {})
    counts = scan.get("summary", {}) if isinstance(scan.get("summary"), dict) else {}
    serious = int(counts.get("critical", 0) or 0) + int(counts.get("high", 0) or 0)
    failed = scan.get("status") in FAILED_ON_ITS_OWN
    return EventPriority.HIGH if serious or failed else EventPriority.MEDIUM


def _patch_outcome(data: Mapping[str, Any]) -> EventPriority:
    succeeded = data.get("result", {}).get("success", True)
    return EventPriority.MEDIUM if succeeded else EventPriority.HIGH


def _system_health(data: Mapping[str, Any]) -> EventPriority:
    state = str(data.get("status", {}).get("status", "")).lower()
    return {"down": EventPriority.HIGH, "degraded": EventPriority.MEDIUM}.get(state, EventPriority.LOW)


def _notification_priority(data: Mapping[str, Any]) -> EventPriority:
    value = str(data.get("notification", {}).get("priority", "MEDIUM")).upper()
    return EventPriority(value) if value in EventPriority.__members__ else EventPriority.MEDIUM


PROJECT = frozenset({Audience.PROJECT})
PROJECT_OR_USER = frozenset({Audience.PROJECT, Audience.USER})
GLOBAL = frozenset({Audience.GLOBAL})
USER = frozenset({Audience.USER})

_C = EventCategory
_P = EventPriority
_T = EventType
_SPECS: tuple[EventSpec, ...] = (
    EventSpec(_T.PIPELINE_CREATED, _C.PIPELINE, "A new pipeline has been created",
              PipelineData, _P.LOW, "LOW", PROJECT),
    EventSpec(_T.PIPELINE_UPDATED, _C.PIPELINE, "A pipeline has been updated",
              PipelineData, _P.LOW, "LOW", PROJECT),
    EventSpec(_T.PIPELINE_DELETED, _C.PIPELINE, "A pipeline has been deleted",
              PipelineDeletedData, _P.MEDIUM, "MEDIUM", PROJECT),
    EventSpec(_T.PIPELINE_EXECUTION_STARTED, _C.PIPELINE, "A pipeline execution has started",
              ExecutionData, _P.MEDIUM, "MEDIUM", PROJECT),
    EventSpec(_T.PIPELINE_EXECUTION_UPDATED, _C.PIPELINE, "A pipeline execution has been updated",
              ExecutionData, _P.LOW, "LOW", PROJECT),
    EventSpec(_T.PIPELINE_EXECUTION_COMPLETED, _C.PIPELINE, "A pipeline execution has completed",
              ExecutionData, _execution_outcome,
              "HIGH if execution.status is failed or timed_out, else MEDIUM", PROJECT),
    EventSpec(_T.PIPELINE_LOG, _C.PIPELINE,
              "Log lines of a job, in batches: lines are {n, ts, text, step}, n counts from offset",
              PipelineLogData, _P.LOW, "LOW", PROJECT),
    EventSpec(_T.SECURITY_VULNERABILITY_DETECTED, _C.SECURITY,
              "A security vulnerability has been detected", VulnerabilityData,
              _by_severity("vulnerability", _P.MEDIUM),
              "vulnerability.severity: critical/high HIGH, medium MEDIUM, low/info LOW", PROJECT),
    EventSpec(_T.SECURITY_VULNERABILITY_UPDATED, _C.SECURITY,
              "A security vulnerability has been updated", VulnerabilityData, _P.LOW, "LOW",
              PROJECT),
    EventSpec(_T.SECURITY_SCAN_STARTED, _C.SECURITY, "A security scan has started",
              ScanData, _P.LOW, "LOW", PROJECT),
    EventSpec(_T.SECURITY_SCAN_UPDATED, _C.SECURITY, "A security scan has been updated",
              ScanData, _P.LOW, "LOW", PROJECT),
    EventSpec(_T.SECURITY_SCAN_COMPLETED, _C.SECURITY, "A security scan has completed",
              ScanData, _scan_outcome,
              "HIGH if the scan failed or found critical/high findings, else MEDIUM", PROJECT),
    EventSpec(_T.DEBUG_SESSION_CREATED, _C.DEBUG, "A debug session has been created",
              DebugSessionData, _P.MEDIUM, "MEDIUM", PROJECT_OR_USER),
    EventSpec(_T.DEBUG_SESSION_UPDATED, _C.DEBUG, "A debug session has been updated",
              DebugSessionData, _P.LOW, "LOW", PROJECT_OR_USER),
    EventSpec(_T.DEBUG_ERROR_DETECTED, _C.DEBUG, "An error has been detected",
              DebugErrorData, _P.MEDIUM, "MEDIUM", PROJECT_OR_USER),
    EventSpec(_T.DEBUG_ML_CLASSIFICATION, _C.DEBUG, "ML classification results for an error",
              DebugClassificationData, _P.LOW, "LOW", PROJECT_OR_USER),
    EventSpec(_T.DEBUG_PATCH_GENERATED, _C.DEBUG, "A patch has been generated",
              DebugPatchData, _P.MEDIUM, "MEDIUM", PROJECT_OR_USER),
    EventSpec(_T.DEBUG_PATCH_APPLIED, _C.DEBUG, "A patch has been applied",
              DebugPatchResultData, _patch_outcome,
              "HIGH if result.success is false, else MEDIUM", PROJECT_OR_USER),
    EventSpec(_T.DEBUG_PATCH_ROLLBACK, _C.DEBUG, "A patch has been rolled back",
              DebugPatchResultData, _patch_outcome,
              "HIGH if result.success is false, else MEDIUM", PROJECT_OR_USER),
    EventSpec(_T.SYSTEM_STATUS_UPDATE, _C.SYSTEM, "System status has been updated",
              SystemStatusData, _system_health,
              "status.status: down HIGH, degraded MEDIUM, otherwise LOW", GLOBAL),
    EventSpec(_T.SYSTEM_METRICS_UPDATE, _C.SYSTEM, "System metrics have been updated",
              SystemMetricsData, _P.LOW, "LOW", GLOBAL),
    EventSpec(_T.SYSTEM_ALERT, _C.SYSTEM, "A system alert has been triggered",
              SystemAlertData, _alert_priority,
              "open alerts by alert.severity: critical HIGH, warning MEDIUM, info LOW; "
              "acknowledged or resolved LOW", GLOBAL),
    EventSpec(_T.ARCHITECTURE_DIAGRAM_UPDATE, _C.ARCHITECTURE,
              "An architecture diagram has been updated", ArchitectureDiagramData, _P.LOW, "LOW",
              PROJECT),
    EventSpec(_T.USER_NOTIFICATION, _C.USER, "A notification for one user",
              UserNotificationData, _notification_priority,
              "notification.priority (HIGH/MEDIUM/LOW), MEDIUM when absent", USER),
    EventSpec(_T.USER_ACTIVITY, _C.USER, "Something the user did (login, token created, ...)",
              UserActivityData, _P.LOW, "LOW", USER),
)  # fmt: skip

CATALOG: Mapping[EventType, EventSpec] = {spec.event_type: spec for spec in _SPECS}


def spec_for(event_type: str) -> EventSpec:
    try:
        return CATALOG[EventType(event_type)]
    except ValueError:
        raise KeyError(f"unknown event type: {event_type}") from None
