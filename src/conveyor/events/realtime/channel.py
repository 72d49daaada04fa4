"""How packets reach one socket: each event encoded once, however many sockets it goes to."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Protocol

import socketio
from engineio import packet as eio_packet

from conveyor.aio import spawn

SIO_EVENT = "2"


class Packet:
    """One Socket.IO EVENT packet, encoded once; each transport's framing made once, when asked."""

    __slots__ = ("_engineio", "text")

    def __init__(self, text: str) -> None:
        self.text = text  # the Socket.IO packet: 2/ws,["event_type",{...}]
        self._engineio: eio_packet.Packet | None = None

    @classmethod
    def event(cls, namespace: str, name: str, data: Any) -> Packet:
        return cls(f"{SIO_EVENT}{namespace}," + json.dumps([name, data], separators=(",", ":")))

    @property
    def engineio(self) -> eio_packet.Packet:
        if self._engineio is None:
            self._engineio = eio_packet.Packet(eio_packet.MESSAGE, self.text)
        return self._engineio


class Channel(Protocol):
    def send(self, packet: Packet) -> None:
        """Queue the packet for the socket, in order, without waiting."""

    async def disconnect(self) -> None:
        """Leave the namespace from the server side (the client is told)."""


class EngineIOChannel:
    """A socket served by python-engineio: its packets go onto the Engine.IO socket's queue."""

    def __init__(self, server: socketio.AsyncServer, sid: str, namespace: str) -> None:
        self.server = server
        self.sid = sid
        self.namespace = namespace
        self.eio_sid: str | None = server.manager.eio_sid_from_sid(sid, namespace)

    def send(self, packet: Packet) -> None:
        socket = self.server.eio.sockets.get(self.eio_sid)
        if socket is None or socket.closed:
            return
        queue = getattr(socket, "queue", None)
        if isinstance(queue, asyncio.Queue):
            queue.put_nowait(packet.engineio)
        else:  # python-engineio changed shape (tests/unit/events/test_engineio_shape.py): slow path
            spawn(self.server._send_eio_packet(self.eio_sid, packet.engineio))

    async def disconnect(self) -> None:
        await self.server.disconnect(self.sid, namespace=self.namespace, ignore_queue=True)
