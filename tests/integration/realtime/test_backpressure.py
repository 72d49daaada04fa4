"""Back-pressure: a client that stops reading gets a bounded buffer, then is dropped and told
where to resume; everybody else still gets everything, and polling clients are served too."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from tests.support.server import RunningServer

SEND_BUFFER = 32 * 1024
BIG_MESSAGE = "".join(f"{i:08x}" for i in range(1_200))[:9_600]  # 9.6 KB, deflates poorly too


class RawSocket:
    """A bare Engine.IO/Socket.IO client over one WebSocket, on a plain TCP stream with small
    buffers: it reads only when asked to, so the server's writes pile up while it does not."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, base_url: str) -> RawSocket:
        address = urlsplit(base_url)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect((address.hostname, address.port))
        sock.setblocking(False)
        reader, writer = await asyncio.open_connection(sock=sock, limit=1024)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {address.netloc}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        response = await reader.readuntil(b"\r\n\r\n")
        assert response.startswith(b"HTTP/1.1 101"), response
        return cls(reader, writer)

    async def receive(self) -> str | None:
        """The next text message, or None once the server closed the WebSocket."""
        first, second = await self.reader.readexactly(2)
        size = second & 0x7F
        if size >= 126:
            size = int.from_bytes(await self.reader.readexactly(2 if size == 126 else 8), "big")
        payload = await self.reader.readexactly(size)
        return None if first & 0x0F == 0x8 else payload.decode()

    async def send(self, text: str) -> None:
        payload, mask = text.encode(), os.urandom(4)
        assert len(payload) < 65536
        size = (
            bytes((0x80 | len(payload),)) if len(payload) < 126 else b"\xfe" + len(payload).to_bytes(2, "big")
        )
        masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
        self.writer.write(b"\x81" + size + mask + masked)
        await self.writer.drain()

    async def next_event(self) -> tuple[str, Any] | None:
        while (message := await self.receive()) is not None:
            if message == "2":  # Engine.IO ping
                await self.send("3")
            elif message.startswith("42/ws,"):
                name, data = json.loads(message[len("42/ws,") :])
                return name, data
        return None

    async def events_until_closed(self) -> list[tuple[str, Any]]:
        received = []
        while (event := await self.next_event()) is not None:
            received.append(event)
        return received

    def close(self) -> None:
        self.writer.close()


@asynccontextmanager
async def stalled_socket(server: RunningServer, token: str) -> AsyncIterator[tuple[RawSocket, str]]:
    """An authenticated socket, and its sid, that then stops reading (until the test reads)."""
    raw = await RawSocket.connect(server.base_url)
    try:
        assert (await raw.receive() or "").startswith("0{")  # Engine.IO OPEN
        await raw.send("40/ws," + json.dumps({"token": token}))
        connected = await raw.receive() or ""
        assert connected.startswith("40/ws,")  # Socket.IO CONNECT
        assert (await raw.next_event() or ("",))[0] == "authenticated"
        yield raw, json.loads(connected[len("40/ws,") :])["sid"]
    finally:
        raw.close()


async def raise_big_alert(server: RunningServer, title: str) -> dict[str, Any]:
    body = {"title": title, "severity": "info", "message": BIG_MESSAGE, "source": "tests"}
    async with server.api(await server.admin_token()) as client:
        response = await client.post("/api/v1/system/alerts", json=body)
    response.raise_for_status()
    alert: dict[str, Any] = response.json()
    return alert


def alert_ids(received: list[tuple[str, Any]]) -> list[str]:
    return [data["data"]["alertId"] for name, data in received if name == "system_alert"]


async def test_a_stalled_client_is_dropped_with_a_resume_hint_and_others_get_everything(
    server_with: Any,
) -> None:
    async with server_with(ws_send_buffer_bytes=SEND_BUFFER) as server:
        token = await server.admin_token()
        listener = await server.authenticated_socket(token)
        async with stalled_socket(server, token) as (stalled, sid):
            alerts = []
            while server.container.hub.sockets[sid].channel.open and len(alerts) < 500:
                alerts.append(await raise_big_alert(server, f"big {len(alerts)}"))
            alerts += [await raise_big_alert(server, f"after the drop {i}") for i in range(3)]
            seen = await stalled.events_until_closed()
        *delivered, (name, notice) = seen
        assert name == "error" and notice["code"] == "slow_consumer"
        seqs = [data["seq"] for _, data in delivered]
        # Each alert also notifies the admin (a user_notification event): count alerts, not events.
        assert 0 < len(alert_ids(delivered)) < len(alerts) - 3 and notice["lastSeq"] == seqs[-1]
        assert seqs == list(range(seqs[0], seqs[-1] + 1))

        last = alerts[-1]["alertId"]
        received = await listener.events_until("system_alert", lambda d: d["data"]["alertId"] == last)
        assert alert_ids(received) == [a["alertId"] for a in alerts]
        resumed = await server.socket(auth={"token": token, "lastSeq": notice["lastSeq"]})
        rest = await resumed.events_until("system_alert", lambda d: d["data"]["alertId"] == last)
        assert alert_ids(delivered) + alert_ids(rest) == [a["alertId"] for a in alerts]


async def test_polling_clients_are_served(server: RunningServer) -> None:
    token = await server.admin_token()
    listener = await server.authenticated_socket(token, transports=["polling"])
    alert = await server.raise_alert("to a polling client")
    _, envelope = await listener.next_of("system_alert")
    assert envelope["data"]["alertId"] == alert["alertId"]
    await listener.emit("subscribe", {"categories": ["SYSTEM"]})
    _, reply = await listener.next_of("subscribed")
    assert reply["filter"]["categories"] == ["SYSTEM"]

    resumed = await server.socket(
        transports=["polling"], auth={"token": token, "lastSeq": envelope["seq"] - 1}
    )
    _, replayed = await resumed.next_of("system_alert")
    assert replayed["seq"] == envelope["seq"]
    for polling in (listener, resumed):
        # Closed here, not by the fixture: a polling client's polite disconnect waits for its
        # pending long-poll, which python-engineio answers only after its 45 s poll timeout.
        eio_sid = polling.client.eio.sid
        await polling.client.eio.disconnect(abort=True)
        await server.container.sio.eio.disconnect(eio_sid)
