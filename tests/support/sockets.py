"""A real python-socketio client that records everything the server sends on /ws."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import socketio

NAMESPACE = "/ws"
DEFAULT_TIMEOUT = 10.0

Received = tuple[str, Any]


class Listener:
    def __init__(self, base_url: str, *, path: str = "socket.io") -> None:
        self.base_url = base_url
        self.path = path
        self.client = socketio.AsyncClient(reconnection=False)
        self.received: list[Received] = []
        self._cursor = 0
        self._changed = asyncio.Condition()
        self.disconnected = asyncio.Event()
        self.client.on("*", self._record, namespace=NAMESPACE)
        self.client.on("disconnect", self._on_disconnect, namespace=NAMESPACE)

    async def connect(
        self, *, auth: Any = None, headers: dict[str, str] | None = None, transports: list[str] | None = None
    ) -> None:
        await self.client.connect(
            self.base_url,
            namespaces=[NAMESPACE],
            socketio_path=self.path,
            transports=transports or ["websocket"],
            auth=auth,
            headers=headers or {},
            wait_timeout=10,
        )

    async def _record(self, event: str, *args: Any) -> None:
        async with self._changed:
            self.received.append((event, args[0] if len(args) == 1 else list(args)))
            self._changed.notify_all()

    async def _on_disconnect(self, *_: Any) -> None:
        self.disconnected.set()
        async with self._changed:
            self._changed.notify_all()

    async def emit(self, event: str, data: Any = None) -> None:
        await self.client.emit(event, data, namespace=NAMESPACE)

    async def authenticate(self, token: Any, **extra: Any) -> Received:
        await self.emit("authenticate", {"token": token, **extra})
        return await self.next_of("authenticated", "auth_error")

    async def next(
        self, predicate: Callable[[Received], bool] = lambda _: True, timeout: float = DEFAULT_TIMEOUT
    ) -> Received:
        """The next message (after the last one returned) matching ``predicate``."""

        async def scan() -> Received:
            async with self._changed:
                while True:
                    for index in range(self._cursor, len(self.received)):
                        if predicate(self.received[index]):
                            self._cursor = index + 1
                            return self.received[index]
                    await self._changed.wait()

        return await asyncio.wait_for(scan(), timeout)

    async def next_of(self, *events: str, timeout: float = DEFAULT_TIMEOUT) -> Received:
        return await self.next(lambda item: item[0] in events, timeout)

    async def events_until(
        self, event: str, predicate: Callable[[Any], bool], timeout: float = DEFAULT_TIMEOUT
    ) -> list[Received]:
        """Everything received up to and including the first ``event`` whose data matches."""
        start = self._cursor
        await self.next(lambda item: item[0] == event and predicate(item[1]), timeout)
        return self.received[start : self._cursor]

    async def close(self) -> None:
        if self.client.connected:
            await self.client.disconnect()


def event_names(received: list[Received]) -> list[str]:
    return [name for name, _ in received]
