"""How packets reach one socket: each event encoded once, however many sockets it goes to."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any, Protocol

import socketio
from engineio import packet as eio_packet

from conveyor.aio import spawn

SIO_EVENT = "2"
# Packets waiting for a long-polling client before it counts as too slow and is dropped.
ENGINEIO_QUEUE_LIMIT = 1000
ENGINEIO_READY_WAIT_SECONDS = 30.0


class Packet:
    """One Socket.IO EVENT packet, encoded once; each transport's framing made once, when asked."""

    __slots__ = ("_engineio", "frames", "text")

    def __init__(self, text: str) -> None:
        self.text = text  # the Socket.IO packet: 2/ws,["event_type",{...}]
        self._engineio: eio_packet.Packet | None = None
        self.frames: Any = None  # its WebSocket frames (websocket.FrameCache), once built

    @classmethod
    def event(cls, namespace: str, name: str, data: Any) -> Packet:
        return cls(f"{SIO_EVENT}{namespace}," + json.dumps([name, data], separators=(",", ":")))

    @property
    def engineio(self) -> eio_packet.Packet:
        if self._engineio is None:
            self._engineio = eio_packet.Packet(eio_packet.MESSAGE, self.text)
        return self._engineio


class Channel(Protocol):
    """The way to one socket. Sending never waits: a socket that cannot keep up is dropped."""

    @property
    def open(self) -> bool: ...

    def send(self, packet: Packet) -> bool:
        """Queue the packet, in order; False if the socket's buffer is full (it is too slow)."""
        ...

    def send_all(self, packets: list[Packet]) -> bool:
        """``send`` for several packets at once."""
        ...

    async def ready(self) -> None:
        """Wait until most of what was sent has left (for long replays)."""

    def drop(self, notice: Packet) -> None:
        """A last packet, then close the connection (the client reconnects and resumes)."""

    async def disconnect(self) -> None:
        """Leave the namespace from the server side (the client is told)."""


class EngineIOChannel:
    """A socket served by python-engineio (long-polling, or a WebSocket this node does not own).

    Packets go straight onto the Engine.IO socket's queue: ``AsyncSocket.send`` would also check
    the ping timeout (its service task does anyway), log, and await ``queue.put``, for each
    packet (tests/unit/events/test_engineio_shape.py keeps this shape honest).
    """

    def __init__(self, server: socketio.AsyncServer, sid: str, namespace: str) -> None:
        self.server = server
        self.sid = sid
        self.namespace = namespace
        self.eio_sid: str | None = server.manager.eio_sid_from_sid(sid, namespace)
        self.dropped = False

    @property
    def open(self) -> bool:
        socket = self.server.eio.sockets.get(self.eio_sid)
        return not self.dropped and socket is not None and not socket.closed

    def _queue(self) -> asyncio.Queue[Any] | None:
        socket = self.server.eio.sockets.get(self.eio_sid)
        queue = getattr(socket, "queue", None)
        return queue if isinstance(queue, asyncio.Queue) else None

    def send(self, packet: Packet) -> bool:
        return self.send_all([packet])

    def send_all(self, packets: list[Packet]) -> bool:
        if not self.open:
            return True
        queue = self._queue()
        if queue is None:  # python-engineio changed shape: the regular, slower path
            for packet in packets:
                spawn(self.server._send_eio_packet(self.eio_sid, packet.engineio))
            return True
        if queue.qsize() + len(packets) > ENGINEIO_QUEUE_LIMIT:
            return False
        for packet in packets:
            queue.put_nowait(packet.engineio)
        return True

    async def ready(self) -> None:
        queue = self._queue()
        if queue is not None and queue.qsize() > ENGINEIO_QUEUE_LIMIT // 2:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(queue.join(), ENGINEIO_READY_WAIT_SECONDS)

    def drop(self, notice: Packet) -> None:
        queue = self._queue()
        if self.open and queue is not None:
            queue.put_nowait(notice.engineio)
        self.dropped = True
        # Closing waits until the client has polled what is queued: bounded, for a stalled one.
        spawn(asyncio.wait_for(self.server.eio.disconnect(self.eio_sid), ENGINEIO_READY_WAIT_SECONDS))

    async def disconnect(self) -> None:
        await self.server.disconnect(self.sid, namespace=self.namespace, ignore_queue=True)
