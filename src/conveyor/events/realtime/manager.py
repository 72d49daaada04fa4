"""Socket.IO client managers that hand Conveyor's bus messages to the hub.

Every bus message reaches every node (in-process, or through Redis pub/sub); instead of
python-socketio's blind room broadcast, the hub orders messages by ``seq``, fills gaps from
the event log, and applies each socket's authorization and filters before sending.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import socketio
from engineio import packet as eio_packet
from socketio import packet

from conveyor.events.bus import BUS_EVENT, CONTROL_EVENT
from conveyor.events.rooms import WS_NAMESPACE

if TYPE_CHECKING:
    from conveyor.events.realtime.hub import Hub


class HubManager(socketio.AsyncManager):  # type: ignore[misc]
    hub: Hub | None = None

    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str,
        room: Any = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: Any = None,
        **kwargs: Any,
    ) -> None:
        if self.hub is not None and namespace == WS_NAMESPACE and event == BUS_EVENT:
            return await self.hub.receive(data)
        if self.hub is not None and namespace == WS_NAMESPACE and event == CONTROL_EVENT:
            return await self.hub.control(data)
        await super().emit(event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to)

    def encode(self, namespace: str, event: str, data: Any) -> list[Any]:
        """Encode one event once, to be sent to many sockets."""
        encoded = self.server.packet_class(packet.EVENT, namespace=namespace, data=[event, data]).encode()
        frames = encoded if isinstance(encoded, list) else [encoded]
        return [eio_packet.Packet(eio_packet.MESSAGE, frame) for frame in frames]

    async def send_encoded(
        self, sid: str, namespace: str, frames: list[Any], *, eio_sid: str | None = None
    ) -> None:
        """Send encoded frames; pass ``eio_sid`` when known (``get_participants`` yields it)."""
        eio_sid = eio_sid or self.eio_sid_from_sid(sid, namespace)
        if eio_sid is None:
            return
        queue = self._outgoing_queue(eio_sid)
        for frame in frames:
            if queue is not None:
                queue.put_nowait(frame)
            else:
                await self.server._send_eio_packet(eio_sid, frame)

    def _outgoing_queue(self, eio_sid: str) -> asyncio.Queue[Any] | None:
        """The Engine.IO socket's send queue, to skip the per-packet work of ``send_packet``.

        python-engineio's ``AsyncSocket.send`` checks the ping timeout (its service task checks
        every socket anyway), calls the logger and awaits ``queue.put`` for each packet: most of
        the hub's cost per socket. None (the regular path) if the socket is gone or
        python-engineio no longer has this shape (tests/unit/events/test_engineio_shape.py).
        """
        socket = self.server.eio.sockets.get(eio_sid)
        queue = getattr(socket, "queue", None)
        if socket is None or socket.closed or not isinstance(queue, asyncio.Queue):
            return None
        return queue


class RedisHubManager(socketio.AsyncRedisManager, HubManager):  # type: ignore[misc]
    """Redis pub/sub fan-out across API nodes; local delivery still goes through the hub.

    Method resolution puts HubManager between AsyncPubSubManager and AsyncManager, so messages
    arriving from Redis (``_handle_emit`` -> ``super().emit``) land in ``HubManager.emit``.
    """


def create_manager(redis_url: str | None, channel: str) -> HubManager:
    if redis_url:
        return RedisHubManager(redis_url, channel=channel)
    return HubManager()
