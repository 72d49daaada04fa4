"""The hub's fast send path relies on python-engineio's socket shape; an upgrade that changes
it must fail here (the hub would silently fall back to the slower regular path)."""

from __future__ import annotations

import asyncio
import inspect

import engineio
from engineio.async_socket import AsyncSocket


def test_async_socket_keeps_its_packets_in_an_asyncio_queue() -> None:
    server = engineio.AsyncServer(async_mode="asgi")
    socket = AsyncSocket(server, "sid")
    assert isinstance(socket.queue, asyncio.Queue)
    assert socket.closed is False


def test_the_server_keeps_its_sockets_by_engineio_sid() -> None:
    server = engineio.AsyncServer(async_mode="asgi")
    assert server.sockets == {}


def test_the_writer_sends_what_the_queue_holds() -> None:
    assert "self.queue.get()" in inspect.getsource(AsyncSocket.poll)
