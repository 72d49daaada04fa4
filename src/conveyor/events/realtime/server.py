"""Builds the python-socketio server and mounts it on both paths."""

from __future__ import annotations

from typing import Any

import socketio

from conveyor.config import Settings
from conveyor.events.realtime.engine import WebSocketEngine
from conveyor.events.realtime.manager import HubManager

SOCKETIO_PATHS = ("socket.io", "ws")


def create_server(settings: Settings, manager: HubManager) -> socketio.AsyncServer:
    return socketio.AsyncServer(
        async_mode="asgi",
        client_manager=manager,
        # None means same-origin only; the allow-list adds the dashboard's other origins.
        cors_allowed_origins=settings.allowed_origins or None,
        max_http_buffer_size=settings.ws_hard_max_message_bytes,
        logger=False,
        engineio_logger=False,
    )


def mount(sio: socketio.AsyncServer, app: Any, engine: WebSocketEngine) -> Any:
    """Serve Socket.IO on ``/socket.io/`` (what ``io('host/ws')`` uses) and on ``/ws/``: the
    WebSocket connections it can own through ``engine``, the rest through python-socketio."""
    for path in SOCKETIO_PATHS:
        app = socketio.ASGIApp(sio, other_asgi_app=app, socketio_path=path)
    return engine.in_front_of(app)
