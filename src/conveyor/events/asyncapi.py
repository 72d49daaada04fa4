"""An AsyncAPI 3.0 document generated from the catalog, so other clients can be generated."""

from __future__ import annotations

from typing import Any

from conveyor import __version__
from conveyor.events.catalog import CATALOG, EventCategory, EventPriority
from conveyor.events.rooms import WS_NAMESPACE

CLIENT_MESSAGES: dict[str, dict[str, Any]] = {
    "authenticate": {
        "type": "object",
        "required": ["token"],
        "properties": {
            "token": {
                "type": "string",
                "description": "JWT from /api/v1/auth/login or an API token",
            },
            "lastSeq": {"type": "integer", "minimum": 0, "description": "resume after this seq"},
            "subscribe": {
                "$ref": "#/components/schemas/FilterChange",
                "description": "the socket's filter, applied before the replay",
            },
        },
    },
    "subscribe": {"$ref": "#/components/schemas/FilterChange"},
    "unsubscribe": {"$ref": "#/components/schemas/FilterChange"},
}
SERVER_CONTROL_MESSAGES: dict[str, dict[str, Any]] = {
    "authenticated": {
        "type": "object",
        "required": ["user", "lastSeq"],
        "properties": {
            "user": {"type": "object"},
            "projects": {"type": "object", "additionalProperties": {"type": "string"}},
            "lastSeq": {"type": "integer"},
            "resumeFrom": {"type": ["integer", "null"]},
            "oldestSeq": {
                "type": ["integer", "null"],
                "description": "when resuming: the oldest event retention left in the log",
            },
            "replayIncomplete": {
                "type": "boolean",
                "description": "when resuming: events after resumeFrom were pruned; refetch state over REST",
            },
            "expiresAt": {"type": ["string", "null"], "format": "date-time"},
            "filter": {"type": "object"},
        },
    },
    "auth_error": {
        "type": "object",
        "required": ["message"],
        "properties": {"message": {"type": "string"}},
    },
    "error": {
        "type": "object",
        "required": ["message"],
        "properties": {
            "message": {"type": "string"},
            "code": {"type": "string"},
            "event": {"type": "string", "description": "the client event that caused it"},
            "lastSeq": {
                "type": "integer",
                "description": "code slow_consumer (the client was too slow) or resume_failed "
                "(the replay of what it missed failed): the client is disconnected; "
                "reconnect and authenticate with this lastSeq",
            },
        },
    },
    "subscribed": {"type": "object", "properties": {"filter": {"type": "object"}}},
}


def build_document() -> dict[str, Any]:
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Envelope": _envelope_schema(), "FilterChange": _filter_schema()}
    for spec in CATALOG.values():
        name = spec.event_type.value
        schema = spec.json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[f"{name}_data"] = schema
        messages[name] = {
            "name": name,
            "summary": spec.description,
            "x-category": spec.category.value,
            "x-priority-rule": spec.priority_rule,
            "payload": {
                "allOf": [
                    {"$ref": "#/components/schemas/Envelope"},
                    {
                        "properties": {
                            "event_type": {"const": name},
                            "data": {"$ref": f"#/components/schemas/{name}_data"},
                        }
                    },
                ]
            },
        }
    for name, payload in {**CLIENT_MESSAGES, **SERVER_CONTROL_MESSAGES}.items():
        messages[name] = {"name": name, "payload": payload}
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Conveyor live events", "version": __version__},
        "defaultContentType": "application/json",
        "channels": {
            "ws": {
                "address": WS_NAMESPACE,
                "messages": {n: {"$ref": f"#/components/messages/{n}"} for n in messages},
            }
        },
        "operations": _operations(),
        "components": {"messages": messages, "schemas": schemas},
    }


def _operations() -> dict[str, Any]:
    def op(action: str, names: list[str]) -> dict[str, Any]:
        return {
            "action": action,
            "channel": {"$ref": "#/channels/ws"},
            "messages": [{"$ref": f"#/channels/ws/messages/{n}"} for n in names],
        }

    events = [spec.event_type.value for spec in CATALOG.values()]
    return {
        "clientSends": op("receive", list(CLIENT_MESSAGES)),
        "serverSends": op("send", [*SERVER_CONTROL_MESSAGES, *events]),
    }


def _envelope_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": [
            "id",
            "seq",
            "event_type",
            "category",
            "priority",
            "timestamp",
            "project_id",
            "data",
        ],
        "properties": {
            "id": {"type": "string"},
            "seq": {"type": "integer", "minimum": 1},
            "event_type": {"type": "string"},
            "category": {"enum": [c.value for c in EventCategory]},
            "priority": {"enum": [p.value for p in EventPriority]},
            "timestamp": {"type": "string", "format": "date-time"},
            "project_id": {"type": ["string", "null"]},
            "data": {"type": "object"},
        },
    }


def _filter_schema() -> dict[str, Any]:
    strings = {"type": "array", "items": {"type": "string"}}
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "categories": {"type": "array", "items": {"enum": [c.value for c in EventCategory]}},
            "eventTypes": {
                "type": "array",
                "items": {"enum": [s.event_type.value for s in CATALOG.values()]},
            },
            "projectIds": strings,
            "minPriority": {"enum": [p.value for p in EventPriority]},
        },
    }
