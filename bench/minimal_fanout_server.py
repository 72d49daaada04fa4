"""The Python baseline: python-socketio on uvicorn, emitting each POST /emit to every socket on /ws.

No persistence, no authentication, no ordering: ``await sio.emit(...)`` of an envelope shaped
like Conveyor's ``system_alert``. Usage: ``python bench/minimal_fanout_server.py PORT [--compression]``.
"""

from __future__ import annotations

import json
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

import socketio
import uvicorn

sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins=None, logger=False, engineio_logger=False)
sequence = {"seq": 0}
ALERT_STATE = {"status": "open", "acknowledgedAt": None, "resolvedAt": None}


@sio.on("connect", namespace="/ws")  # type: ignore[untyped-decorator]
async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
    return True


def envelope(alert: dict[str, Any]) -> dict[str, Any]:
    sequence["seq"] += 1
    now = datetime.now(UTC).isoformat()
    alert_id = str(uuid.uuid4())
    return {
        "id": str(uuid.uuid4()),
        "seq": sequence["seq"],
        "event_type": "system_alert",
        "category": "SYSTEM",
        "priority": "LOW",
        "timestamp": now,
        "project_id": None,
        "data": {
            "alertId": alert_id,
            "alert": {"alertId": alert_id, **alert, **ALERT_STATE, "createdAt": now},
        },
    }


def alert_state(alert_id: str, alert: dict[str, Any], now: str) -> dict[str, Any]:
    return {"alertId": alert_id, **alert, **ALERT_STATE, "createdAt": now}


async def http_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    if scope["method"] == "POST" and scope["path"] == "/emit":
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        event = envelope(json.loads(body))
        await sio.emit("system_alert", event, namespace="/ws")
        await respond(send, 201, {"alertId": event["data"]["alertId"], "seq": event["seq"]})
    else:
        await respond(send, 200 if scope["path"] == "/healthz" else 404, {"status": "ok"})


async def respond(send: Any, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


app = socketio.ASGIApp(sio, other_asgi_app=http_app, socketio_path="socket.io")

if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8100
    compression = "--compression" in sys.argv
    uvicorn.run(app, host="127.0.0.1", port=port, ws_per_message_deflate=compression, log_level="warning")
