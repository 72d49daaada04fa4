"""Engine.IO v4 over WebSockets this node owns, for Socket.IO namespace ``/ws``.

python-engineio gives every socket a queue, a writer task and a ping task, and sends each
packet through the ASGI server's framing: most of the CPU of a fan-out and of the memory of a
connection. Here a WebSocket connection (``transport=websocket``, no polling session to upgrade)
served by uvicorn's websockets-sansio protocol is handled without them: one task per connection
reads, the sequencer writes frames straight to the transport (``websocket.py``), one timer pings
every socket. Everything else (long-polling, upgrades, other ASGI servers) goes to python-socketio
as before; both kinds of socket meet in the same sessions and rooms.
"""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

import socketio
from socketio import packet as sio_packet
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import Protocol, State
from websockets.server import ServerProtocol

from conveyor.aio import Periodic, spawn
from conveyor.config import Settings
from conveyor.events.realtime.commands import ClientCommands
from conveyor.events.realtime.websocket import DEFLATE_WINDOW_BITS, PING_FRAME, WebSocketChannel, text_frame
from conveyor.events.rooms import WS_NAMESPACE

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

EIO_OPEN, EIO_CLOSE, EIO_PING, EIO_PONG, EIO_MESSAGE = "0", "1", "2", "3", "4"
NORMAL_CLOSE, PING_TIMEOUT, MESSAGE_TOO_BIG = 1000, 1011, 1009


class WebSocketEngine:
    """Takes the WebSocket connections it can own; passes the rest on to python-socketio."""

    def __init__(self, *, commands: ClientCommands, settings: Settings, sio: socketio.AsyncServer) -> None:
        self.commands = commands
        self.settings = settings
        self.paths = ("/socket.io/", "/ws/")
        self.ping_interval = float(sio.eio.ping_interval)
        self.ping_timeout = float(sio.eio.ping_timeout)
        self.connections: set[Connection] = set()
        # Twice per advertised interval: a client hears from us well within it whenever it
        # connected (python-engineio's client gives up after 30 s without writing anything).
        tick = self.ping_interval / 2
        self.heartbeat = Periodic("conveyor-ws-heartbeat", self._beat, interval=tick, first_delay=tick)

    def in_front_of(self, app: ASGIApp) -> ASGIApp:
        async def serve(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "websocket" and self._ours(scope, send):
                await Connection(self, send).run(receive)
            else:
                await app(scope, receive, send)

        return serve

    def start(self) -> None:
        self.heartbeat.start()

    async def stop(self) -> None:
        await self.heartbeat.stop()

    def _ours(self, scope: Scope, send: Send) -> bool:
        path = scope["path"] if scope["path"].endswith("/") else scope["path"] + "/"
        if not path.startswith(self.paths) or not isinstance(getattr(send, "__self__", None), _PROTOCOL):
            return False
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if query.get("EIO") != ["4"] or query.get("transport") != ["websocket"] or "sid" in query:
            return False
        return self._origin_allowed({k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]})

    def _origin_allowed(self, headers: dict[str, str]) -> bool:
        """The origins python-engineio accepts in the simple cases; it decides the others itself."""
        origin = headers.get("origin")
        if origin is None:
            return True
        if self.settings.allowed_origins:
            return origin in self.settings.allowed_origins
        scheme = headers.get("x-forwarded-proto", "http")
        return "host" in headers and origin == f"{scheme}://{headers['host']}"

    async def _beat(self) -> None:
        """Ping every socket; close those that left a ping unanswered for ``ping_timeout``."""
        now = time.monotonic()
        for connection in list(self.connections):
            connection.beat(now)


_PROTOCOL = WebSocketsSansIOProtocol


class Connection:
    """One owned WebSocket: Engine.IO handshake and heartbeat, Socket.IO packets of ``/ws``."""

    __slots__ = ("asgi_send", "awaiting_pong", "binary", "channel", "engine", "pinged_at", "sid")

    def __init__(self, engine: WebSocketEngine, send: Send) -> None:
        self.engine = engine
        self.asgi_send = send
        self.sid: str | None = None
        self.awaiting_pong = False
        self.pinged_at = 0.0
        self.binary: sio_packet.Packet | None = None
        self.channel: WebSocketChannel

    async def run(self, receive: Receive) -> None:
        if (await receive())["type"] != "websocket.connect":
            return
        await self.asgi_send({"type": "websocket.accept"})
        self.channel = _channel_of(self.asgi_send.__self__, self.engine.settings)  # type: ignore[attr-defined]
        self._open()
        self.engine.connections.add(self)
        try:
            await self._read(receive)
        finally:
            self.engine.connections.discard(self)
            self._leave()
            self.channel.close(b"", NORMAL_CLOSE)

    async def _read(self, receive: Receive) -> None:
        while self._take(await receive()):
            pass

    def _take(self, message: MutableMapping[str, Any]) -> bool:
        """One ASGI message; False ends the connection. A function of its own so that the last
        message (the CONNECT, with its token) is not kept alive while the next one is awaited."""
        if message["type"] != "websocket.receive":
            return False
        data = message.get("text")
        if data is None:
            data = message.get("bytes") or b""
        if len(data) > self.engine.settings.ws_hard_max_message_bytes:
            self.channel.close(b"", MESSAGE_TOO_BIG)
            return False
        return self._on_message(data)

    def _open(self) -> None:
        handshake = {
            "sid": uuid.uuid4().hex,
            "upgrades": [],
            "pingInterval": int(self.engine.ping_interval * 1000),
            "pingTimeout": int(self.engine.ping_timeout * 1000),
            "maxPayload": self.engine.settings.ws_hard_max_message_bytes,
        }
        self._write(EIO_OPEN + json.dumps(handshake, separators=(",", ":")))

    def beat(self, now: float) -> None:
        if self.awaiting_pong:
            if now - self.pinged_at > self.engine.ping_timeout:
                self.channel.close(b"", PING_TIMEOUT)
            return
        self.awaiting_pong, self.pinged_at = True, now
        self.channel.write_raw(PING_FRAME)

    def _on_message(self, data: str | bytes) -> bool:
        """Handle one Engine.IO packet; False ends the connection."""
        if isinstance(data, bytes):
            self._on_attachment(data)
            return True
        kind = data[:1]
        if kind == EIO_MESSAGE:
            return self._on_socketio(data[1:])
        if kind == EIO_PONG:
            self.awaiting_pong = False
        elif kind == EIO_PING:
            self._write(EIO_PONG + data[1:])
        return kind != EIO_CLOSE

    def _on_socketio(self, text: str) -> bool:
        try:
            packet = sio_packet.Packet(encoded_packet=text)
        except (ValueError, TypeError, IndexError):
            return True  # python-socketio ignores what it cannot parse, too
        if packet.namespace != WS_NAMESPACE:
            if packet.packet_type == sio_packet.CONNECT:
                self._reply(sio_packet.CONNECT_ERROR, "Unable to connect", packet.namespace)
            return True
        if packet.packet_type == sio_packet.CONNECT:
            self._connect(packet.data)
        elif packet.packet_type == sio_packet.DISCONNECT:
            return False
        elif packet.packet_type == sio_packet.EVENT:
            self._event(packet)
        elif packet.packet_type == sio_packet.BINARY_EVENT:
            self.binary = packet
        return True

    def _on_attachment(self, data: bytes) -> None:
        if self.binary is not None and self.binary.add_attachment(data):
            packet, self.binary = self.binary, None
            self._event(packet)

    def _connect(self, auth: Any) -> None:
        if self.sid is not None:
            return
        self.sid = uuid.uuid4().hex
        self._reply(sio_packet.CONNECT, {"sid": self.sid})
        self.engine.commands.connect(self.sid, self.channel, auth or None)  # as python-socketio: {} is none

    def _event(self, packet: sio_packet.Packet) -> None:
        data = packet.data
        if self.sid is None or not isinstance(data, list) or not data or not isinstance(data[0], str):
            return
        spawn(self._handle(self.sid, data[0], data[1:], packet.id))

    async def _handle(self, sid: str, event: str, args: list[Any], ack_id: int | None) -> None:
        reply = await self.engine.commands.handle(sid, event, args)
        if ack_id is not None:
            data = [] if reply is None else list(reply) if isinstance(reply, tuple) else [reply]
            self._reply(sio_packet.ACK, data, ack_id=ack_id)

    def _leave(self) -> None:
        if self.sid is not None:
            self.engine.commands.disconnect(self.sid)
            self.sid = None

    def _reply(self, kind: int, data: Any, namespace: str = WS_NAMESPACE, ack_id: int | None = None) -> None:
        encoded = sio_packet.Packet(kind, data=data, namespace=namespace, id=ack_id).encode()
        self._write(EIO_MESSAGE + encoded)

    def _write(self, text: str) -> None:
        self.channel.write_raw(text_frame(text.encode()))


def _channel_of(protocol: Any, settings: Settings) -> WebSocketChannel:
    deflate = next((e for e in protocol.conn.extensions if e.name == "permessage-deflate"), None)
    if deflate is not None and not deflate.local_no_context_takeover:
        # Everything this node sends on an owned socket is compressed once per event, not per
        # connection: free the connection's own compressor (32 KiB), which nothing uses now.
        del deflate.encoder
    _forget_handshake(protocol)
    # Our heartbeat keeps the connection alive: uvicorn's own WebSocket pings (a timer per socket)
    # would only double it.
    protocol.stop_keepalive()
    # Half of what may wait for a client in the kernel, with a fixed size (Linux would let it
    # grow to megabytes for a client that stopped reading), half in the transport's buffer.
    budget = settings.ws_send_buffer_bytes // 2
    sock = protocol.transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, budget)
    return WebSocketChannel(
        protocol.transport,
        protocol.writable,
        deflate=deflate is not None and deflate.local_max_window_bits >= DEFLATE_WINDOW_BITS,
        limit=budget,
    )


def _forget_handshake(protocol: Any) -> None:
    """Free what only the handshake needed (~3 KiB a connection): the request and its headers,
    the response and the ASGI scope's contents (nothing reads them once the socket is ours)."""
    protocol.request = protocol.response = None
    protocol.scope.clear()
    protocol.scope["type"] = "websocket"
    parse_frames_only(protocol.conn)


def parse_frames_only(conn: ServerProtocol) -> None:
    """websockets' server parser keeps the handshake request in its generator's frame for the
    life of the connection; past the handshake it only parses frames, as the base parser does,
    so that one takes over. Right after our 101 the client cannot have sent a frame yet (nor has
    the parser begun one): with nothing buffered, none is cut in two."""
    if conn.state is State.OPEN and not conn.reader.buffer:
        conn.parser = Protocol.parse(conn)
        next(conn.parser)
