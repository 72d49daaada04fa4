"""The hub's fan-out loop alone, in CPU time per delivery: robust on a busy machine.

N authenticated sockets in one room, each a real connected socket pair with its server end
behind a ``WebSocketChannel`` on a uvloop transport (the client ends are never read: the kernel
buffers hold a whole run). ``delivery.fan_out`` sends each event to all of them; ``write`` only
writes one prebuilt frame to every transport, the floor any fan-out pays (the system call).
Thread CPU time per delivery, best of ``--reps``.

    .venv/bin/python -m bench.bench_ws_deliver --sockets 1000 --events 40
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import time
from typing import Any

import uvloop

from conveyor.events.realtime.connection import SocketState
from conveyor.events.realtime.delivery import Outgoing, SharedEvent, fan_out
from conveyor.events.realtime.room_index import RoomIndex
from conveyor.events.realtime.websocket import WebSocketChannel, text_frame

ROOM = "authenticated"


class _Writer(asyncio.Protocol):
    def __init__(self) -> None:
        self.writable = asyncio.Event()
        self.writable.set()

    def pause_writing(self) -> None:
        self.writable.clear()

    def resume_writing(self) -> None:
        self.writable.set()


def _envelope(seq: int) -> dict[str, Any]:
    alert = {"title": f"bench-{seq}", "severity": "info", "message": "x" * 300, "status": "open"}
    return {"seq": seq, "event_type": "system_alert", "category": "SYSTEM", "priority": "LOW"} | {
        "project_id": None,
        "data": {"alert": alert},
    }


async def _sockets(count: int, rooms: RoomIndex, deflate: bool) -> list[socket.socket]:
    loop = asyncio.get_running_loop()
    client_ends = []
    for index in range(count):
        server_end, client_end = socket.socketpair()
        transport, protocol = await loop.connect_accepted_socket(_Writer, server_end)
        channel = WebSocketChannel(transport, protocol.writable, deflate=deflate, limit=512 * 1024)
        state = SocketState(sid=f"socket-{index}", channel=channel)
        state.principal = object()  # type: ignore[assignment]  # authenticated: all the loop checks
        rooms.place(state, {ROOM})
        client_ends.append(client_end)
    return client_ends


async def _measure(count: int, events: int, reps: int, mode: str, deflate: bool) -> list[float]:
    rooms = RoomIndex()
    client_ends = await _sockets(count, rooms, deflate)
    seq, per_delivery = 0, []
    for _ in range(reps):
        started = time.thread_time()
        for _ in range(events):
            seq += 1
            if mode == "write":
                frame = text_frame(b"42/ws," + json.dumps(["system_alert", _envelope(seq)]).encode())
                for state in rooms.members([ROOM]).values():
                    state.channel.transport.write(frame)  # type: ignore[attr-defined]
                await asyncio.sleep(0)
            else:
                await fan_out([Outgoing(SharedEvent(_envelope(seq)), rooms.members([ROOM]))])
        per_delivery.append((time.thread_time() - started) / (events * count) * 1e6)
    for end in client_ends:
        end.close()
    return per_delivery


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--events", type=int, default=40, help="per rep (x ~400 bytes must fit the buffers)")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument(
        "--deflate",
        action="store_true",
        help="sockets negotiated permessage-deflate (fan_out sends the deflated frame)",
    )
    args = parser.parse_args()
    for mode in ("write", "fan_out", "write", "fan_out"):
        results = uvloop.run(_measure(args.sockets, args.events, args.reps, mode, args.deflate))
        shown = " ".join(f"{r:.2f}" for r in results)
        what = f"{args.sockets} sockets x {args.events} events"
        print(f"{mode:8} {what}: µs/delivery best {min(results):.2f} ({shown})")


if __name__ == "__main__":
    main()
