"""An experiment, not a product: how cheap can a Python socket.io fan-out be?

Speaks just enough Engine.IO v4 / Socket.IO v5 over WebSocket (aiohttp) for socket.io-client
to connect to namespace ``/ws`` and receive events; no polling, no acks, no rooms, no auth.
Each POST /emit is encoded once and sent to every socket:

- ``send``: ``await ws.send_str(text)`` per socket (aiohttp frames each send), with no
  per-socket queue or writer task in between;
- ``frame``: the WebSocket frame is built once and written to every socket's transport
  (server frames are unmasked, so without compression every client gets the same bytes).

Usage: ``python -m bench.direct_fanout_server PORT [send|frame]``.
"""

from __future__ import annotations

import asyncio
import json
import struct
import sys
import uuid
from typing import Any

from aiohttp import WSMsgType, web

from bench.minimal_fanout_server import envelope

OPEN = "0" + json.dumps({"sid": "", "upgrades": [], "pingInterval": 600_000, "pingTimeout": 600_000})
sockets: dict[web.WebSocketResponse, Any] = {}  # socket -> its TCP transport


def text_frame(payload: bytes) -> bytes:
    """One unmasked, final WebSocket text frame."""
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x81, size)
    elif size < 65536:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    return header + payload


async def socket_io(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(compress=False)
    await ws.prepare(request)
    await ws.send_str(OPEN)
    async for message in ws:
        if message.type != WSMsgType.TEXT:
            break
        if message.data.startswith("40/ws"):  # Socket.IO CONNECT to /ws
            await ws.send_str("40/ws," + json.dumps({"sid": uuid.uuid4().hex}))
            sockets[ws] = request.transport
        elif message.data == "2":  # Engine.IO ping (not sent by v4 clients, answered anyway)
            await ws.send_str("3")
    sockets.pop(ws, None)
    return ws


async def emit(request: web.Request) -> web.Response:
    event = envelope(await request.json())
    text = "42/ws," + json.dumps(["system_alert", event], separators=(",", ":"))
    if request.app["mode"] == "frame":
        frame = text_frame(text.encode())
        for transport in list(sockets.values()):
            if transport is not None and not transport.is_closing():
                transport.write(frame)
    else:
        for ws in list(sockets):
            await ws.send_str(text)
    return web.json_response({"alertId": event["data"]["alertId"], "seq": event["seq"]}, status=201)


async def healthz(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8100
    app = web.Application()
    app["mode"] = "frame" if "frame" in sys.argv else "send"
    app.router.add_get("/socket.io/", socket_io)
    app.router.add_post("/emit", emit)
    app.router.add_get("/healthz", healthz)
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
