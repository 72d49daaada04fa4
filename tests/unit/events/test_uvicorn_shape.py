"""The owned WebSocket path (events/realtime/engine.py) relies on the shape of uvicorn's
websockets-sansio protocol; an upgrade that changes it must fail here."""

from __future__ import annotations

import asyncio
import inspect
import re
import weakref

from uvicorn.config import Config
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState
from websockets.frames import Opcode
from websockets.server import ServerProtocol

from conveyor.events.realtime.engine import parse_frames_only


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


def test_an_owned_connection_forgets_its_handshake_request_and_still_reads_frames() -> None:
    conn = ServerProtocol()
    conn.receive_data(
        b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\n\r\n"
    )
    [request] = conn.events_received()
    conn.send_response(conn.accept(request))
    forgotten = weakref.ref(request)
    del request

    parse_frames_only(conn)

    assert forgotten() is None
    payload, mask = b'40/ws,{"token":"t"}', b"\x01\x02\x03\x04"
    masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
    conn.receive_data(b"\x81" + bytes((0x80 | len(payload),)) + mask + masked[:5])
    conn.receive_data(masked[5:])  # a frame in two reads
    [frame] = conn.events_received()
    assert frame.opcode is Opcode.TEXT and frame.data == payload
