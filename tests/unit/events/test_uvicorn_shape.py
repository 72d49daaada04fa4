"""The owned WebSocket path (events/realtime/engine.py) relies on the shape of uvicorn's
websockets-sansio protocol; an upgrade that changes it must fail here."""

from __future__ import annotations

import asyncio
import inspect
import re

from uvicorn.config import Config
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState


async def _app(scope: object, receive: object, send: object) -> None:
    return None


async def test_the_protocol_keeps_what_the_engine_takes_over() -> None:
    protocol = WebSocketsSansIOProtocol(Config(_app, ws_per_message_deflate=True), ServerState(), {})
    assert isinstance(protocol.writable, asyncio.Event)
    assert protocol.conn.extensions == []  # filled in with the negotiated permessage-deflate
    assert hasattr(protocol, "transport")
    source = inspect.getsource(WebSocketsSansIOProtocol)
    assert all(
        re.search(rf"self\.{name}(: [\w\[\], ]+)? = ", source) for name in ("request", "response", "scope")
    )


def test_the_app_is_handed_the_protocol_s_own_send() -> None:
    assert "self.app(self.scope, self.receive, self.send)" in inspect.getsource(WebSocketsSansIOProtocol)


def test_only_the_app_sends_data_frames() -> None:
    """After the handshake the engine writes frames itself; uvicorn must not compress or send
    data frames of its own (pings, pongs and closes are control frames)."""
    source = inspect.getsource(WebSocketsSansIOProtocol)
    assert source.count("conn.send_text(") == 1 and source.count("conn.send_binary(") == 1
