"""The catalog must say exactly what the spec's tables say."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args, get_origin

import pytest
from pydantic import ValidationError

from conveyor.errors import InvalidInput
from conveyor.events.catalog import CATALOG, EventCategory, EventPriority, EventType, spec_for
from conveyor.events.schemas import emission

SPEC = Path(__file__).parents[3] / "docs" / "spec" / "websocket-api.md"
ROW = re.compile(r"^\| `(?P<type>\w+)` \| (?P<description>[^|]+) \| `\{ (?P<fields>[^}]*) \}` \|$")
SECTION_CATEGORY = {
    "Pipeline": "PIPELINE",
    "Security": "SECURITY",
    "Debug": "DEBUG",
    "System": "SYSTEM",
    "Architecture": "ARCHITECTURE",
}


def spec_rows() -> list[tuple[str, str, dict[str, str]]]:
    rows, category = [], ""
    for line in SPEC.read_text().splitlines():
        if heading := re.match(r"^### (\w+) Events", line):
            category = SECTION_CATEGORY[heading.group(1)]
        elif match := ROW.match(line.strip()):
            fields = dict(part.split(": ") for part in match["fields"].split(", "))
            rows.append((match["type"], category, fields))
    return rows


# Whole read schemas as the wire carries them (payloads are typed: a partial one is refused).
EXECUTION = {
    **dict.fromkeys(["ref", "commitSha", "actorId", "error", "startedAt", "finishedAt"]),
    **{"id": "e", "pipelineId": "p", "projectId": "x", "number": 1, "trigger": "manual", "attempt": 1},
    **{"status": "queued", "createdAt": "2026-01-01T00:00:00Z", "jobs": []},
}
ALERT = {
    **{"alertId": "a", "title": "t", "severity": "info", "message": "", "source": "s", "status": "open"},
    **{"createdAt": "2026-01-01T00:00:00Z", "acknowledgedAt": None, "resolvedAt": None},
}


def test_the_spec_tables_were_read() -> None:
    assert len(spec_rows()) == 22


@pytest.mark.parametrize(("event_type", "category", "fields"), spec_rows())
def test_every_spec_event_has_its_category_and_exact_fields(
    event_type: str, category: str, fields: dict[str, str]
) -> None:
    spec = spec_for(event_type)
    assert spec.category == category
    schema = spec.json_schema()
    assert set(schema["properties"]) == set(fields)
    assert set(schema["required"]) == set(fields)
    for name, kind in fields.items():
        expected = "string" if kind == "string" else "object"
        assert schema["properties"][name]["type"] == expected, name


def test_user_category_has_notification_and_activity() -> None:
    user_types = {spec.event_type for spec in CATALOG.values() if spec.category is EventCategory.USER}
    assert user_types == {EventType.USER_NOTIFICATION, EventType.USER_ACTIVITY}


def test_catalog_covers_every_category() -> None:
    assert {spec.category for spec in CATALOG.values()} == set(EventCategory)


def test_payloads_reject_unknown_and_missing_fields() -> None:
    model = spec_for("pipeline_deleted").data_model
    with pytest.raises(ValidationError):
        model.model_validate({"pipelineId": "p", "extra": 1})
    with pytest.raises(ValidationError):
        model.model_validate({})


@pytest.mark.parametrize(
    ("severity", "status", "priority"),
    [
        ("critical", "open", EventPriority.HIGH),
        ("warning", "open", EventPriority.MEDIUM),
        ("info", "open", EventPriority.LOW),
        ("critical", "acknowledged", EventPriority.LOW),
    ],
)
def test_alert_priority_follows_severity_while_open(severity: str, status: str, priority: str) -> None:
    data = {"alertId": "a", "alert": {**ALERT, "severity": severity, "status": status}}
    assert emission(EventType.SYSTEM_ALERT, data).priority == priority


@pytest.mark.parametrize(
    ("status", "priority"),
    [("failed", EventPriority.HIGH), ("timed_out", EventPriority.HIGH), ("success", EventPriority.MEDIUM)],
)
def test_completed_execution_is_high_priority_on_failure(status: str, priority: str) -> None:
    data = {"executionId": "e", "pipelineId": "p", "execution": {**EXECUTION, "status": status}}
    assert emission(EventType.PIPELINE_EXECUTION_COMPLETED, data, project_id="x").priority == priority


VULNERABILITY = {
    "vulnerabilityId": "v",
    "projectId": "x",
    "title": "t",
    "kind": "code",
    "scanner": "bandit",
    "ruleId": "B602",
    "remediation": "r",
    "status": "open",
    "firstSeenScanId": "s",
    "lastSeenScanId": "s",
    "createdAt": "2026-12-01T00:00:00Z",
    "updatedAt": "2026-12-01T00:00:00Z",
}


@pytest.mark.parametrize(
    ("severity", "priority"), [("critical", "HIGH"), ("high", "HIGH"), ("medium", "MEDIUM"), ("info", "LOW")]
)
def test_vulnerability_priority_follows_severity(severity: str, priority: str) -> None:
    data = {"vulnerabilityId": "v", "vulnerability": {**VULNERABILITY, "severity": severity}}
    assert emission(EventType.SECURITY_VULNERABILITY_DETECTED, data, project_id="x").priority == priority


def test_emission_rejects_a_payload_that_does_not_match() -> None:
    with pytest.raises(InvalidInput, match="pipeline_created"):
        emission(EventType.PIPELINE_CREATED, {"pipelineId": 3}, project_id="x")


def test_emission_rejects_the_wrong_audience() -> None:
    with pytest.raises(InvalidInput, match="audience"):
        emission(EventType.PIPELINE_DELETED, {"pipelineId": "p"})
    with pytest.raises(InvalidInput, match="audience"):
        emission(EventType.SYSTEM_ALERT, {"alertId": "a", "alert": {}}, user_id="u")


def test_unknown_event_type_is_refused() -> None:
    with pytest.raises(KeyError):
        spec_for("pipeline_exploded")


# Payload fields that are still free-form objects, each for a reason: log lines keep the
# "+00:00" timestamps they have always had (LogLineRead would write "Z"), and an activity's
# details differ by its kind. Every other object is a domain's read schema, so the generated
# TypeScript types name it (`Execution`, `Diagram`...) instead of `JsonObject`.
FREE_FORM = {("pipeline_log", "lines"), ("user_activity", "activity")}


def _free_form(annotation: object) -> bool:
    if get_origin(annotation) is list:
        return _free_form(get_args(annotation)[0])
    return get_origin(annotation) is dict and get_args(annotation)[1] is Any


def test_payload_objects_are_read_schemas_but_the_named_free_form_ones() -> None:
    free = {
        (spec.event_type.value, name)
        for spec in CATALOG.values()
        for name, field in spec.data_model.model_fields.items()
        if _free_form(field.annotation)
    }
    assert free == FREE_FORM
