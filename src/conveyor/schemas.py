"""Base of every HTTP/event schema: camelCase on the wire, snake_case in Python."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class ApiModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        from_attributes=True,
        extra="forbid",
        # The server always sends every field, so the generated client types mark none optional.
        json_schema_serialization_defaults_required=True,
        defer_build=True,
    )

    def wire(self) -> dict[str, Any]:
        """The JSON form clients see (camelCase keys), for event payloads."""
        return self.model_dump(mode="json", by_alias=True)
