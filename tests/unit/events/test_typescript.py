"""The dashboard's TypeScript event types are generated from the catalog and committed up to date."""

from __future__ import annotations

from pathlib import Path

from conveyor.events.catalog import CATALOG
from conveyor.events.typescript import data_interface_name, render, ts_type

GENERATED = Path(__file__).parents[3] / "web" / "src" / "services" / "events.generated.ts"


def test_committed_file_is_up_to_date() -> None:
    assert GENERATED.read_text() == render(), (
        "web/src/services/events.generated.ts is stale: run `conveyor typescript` at the repository root"
    )


def test_every_event_type_has_its_payload_interface_in_the_data_map() -> None:
    text = render()
    for spec in CATALOG.values():
        name = data_interface_name(spec)
        assert f"export interface {name} {{" in text
        assert f"  {spec.event_type.value}: {name};" in text
        assert f'  {spec.event_type.value}: "{spec.category.value}",' in text


def test_payload_fields_follow_the_pydantic_schema() -> None:
    text = render()
    assert "export interface PipelineLogData {\n  executionId: string;\n  pipelineId: string;\n" in text
    assert "  offset: number;\n  lines: JsonObject[];\n}" in text


def test_json_schema_translation() -> None:
    assert ts_type({"type": ["string", "null"]}) == "string | null"
    assert ts_type({"anyOf": [{"type": "integer"}, {"type": "null"}]}) == "number | null"
    assert ts_type({"type": "array", "items": {"enum": ["a", "b"]}}) == '("a" | "b")[]'
    assert ts_type({"type": "object", "additionalProperties": {"type": "string"}}) == (
        "{ [key: string]: string }"
    )
    assert ts_type({"type": "object"}) == "JsonObject"
    assert ts_type({"enum": ["LOW", "MEDIUM", "HIGH"]}) == "EventPriority"
    nested = {"type": "object", "properties": {"a b": {"type": "boolean"}}, "required": []}
    assert ts_type(nested) == '{\n  "a b"?: boolean;\n}'
