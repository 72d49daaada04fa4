"""``conveyor serve`` with the time each event's fan-out started and ended (its last
``transport.write``) appended to the file ``CONVEYOR_PROBE_FILE``, one line per ``system_alert``
titled ``bench-<i>``: ``i,start,end`` (Unix seconds). bench_ws_fanout.py ``--server-timeline``
runs the server this way, to split a delivery's latency into the server's part (POST sent -> last
write) and the clients' (last write -> receipt). Each garbage collection is also logged to
``CONVEYOR_PROBE_FILE.gc``: ``generation,start,end,cpu_ms,collected``, to tell whether a slow
event waited for one (``CONVEYOR_PROBE_GC_TYPES=1``: with ``#`` lines before each older
collection, the commonest types it walks); to ``.requests`` the time each ``POST
/api/v1/system/alerts`` reached the app (one line each, in arrival order) and to ``.received``
``i,time`` when each alert reached the sequencer (committed): what of a slow event's latency is
the POST's. ``CONVEYOR_PROBE_WALK_ALL=1`` walks every event's sockets as before events no socket
wants were skipped (room_index.py), for a before/after in one session. Benchmark-only: nothing in
the server depends on it.

    CONVEYOR_PROBE_FILE=/tmp/probe.csv .venv/bin/python -m bench.conveyor_probe serve --port 8000
"""

from __future__ import annotations

import gc
import os
import time
from collections import Counter
from collections.abc import Sequence
from typing import IO, Any

from conveyor import app
from conveyor.cli import main
from conveyor.events.realtime import sequencer
from conveyor.events.realtime.delivery import Outgoing, fan_out
from conveyor.events.realtime.room_index import RoomIndex

ALERT_PATH = "/api/v1/system/alerts"


def _index_of(envelope: dict[str, Any]) -> int | None:
    if envelope.get("event_type") != "system_alert":
        return None
    title = str(envelope["data"]["alert"].get("title", ""))
    return int(title.removeprefix("bench-")) if title.startswith("bench-") else None


def probe(out: IO[str]) -> None:
    async def timed_fan_out(batch: Sequence[Outgoing]) -> None:
        start = time.time()
        await fan_out(batch)
        end = time.time()
        for item in batch:
            index = _index_of(item.envelope)
            if index is not None:
                out.write(f"{index},{start:.6f},{end:.6f}\n")

    setattr(sequencer, "fan_out", timed_fan_out)  # noqa: B010 (the name the sequencer calls)


def _log_young_types(out: IO[str], generation: int) -> None:
    """What an older collection is about to walk: the most common types of generations 0 and 1."""
    for younger in range(generation + 1):
        objects = gc.get_objects(younger)
        common = Counter(type(o).__qualname__ for o in objects).most_common(12)
        out.write(
            f"# generation {younger}: {len(objects)} objects; "
            + ", ".join(f"{t} {n}" for t, n in common)
            + "\n"
        )
        del objects


def log_collections(out: IO[str]) -> None:
    started = cpu = 0.0

    def timed(phase: str, info: dict[str, Any]) -> None:
        nonlocal started, cpu
        if phase == "start":
            if info["generation"] >= 1 and os.environ.get("CONVEYOR_PROBE_GC_TYPES") == "1":
                _log_young_types(out, info["generation"])
            started, cpu = time.time(), time.thread_time()
        else:
            took = (time.thread_time() - cpu) * 1000
            out.write(
                f"{info['generation']},{started:.6f},{time.time():.6f},{took:.3f},{info['collected']}\n"
            )

    gc.callbacks.append(timed)


def log_posts(requests: IO[str], received: IO[str]) -> None:
    create_app, receive = app.create_app, sequencer.Sequencer.receive

    def timed_app(settings: Any = None) -> Any:
        inner = create_app(settings)

        async def asgi(scope: Any, receive_: Any, send: Any) -> None:
            if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == ALERT_PATH:
                requests.write(f"{time.time():.6f}\n")
            await inner(scope, receive_, send)

        return asgi

    async def timed_receive(self: sequencer.Sequencer, message: Any) -> None:
        index = _index_of(message.get("envelope", {})) if isinstance(message, dict) else None
        if index is not None:
            received.write(f"{index},{time.time():.6f}\n")
        await receive(self, message)

    setattr(app, "create_app", timed_app)  # noqa: B010 (the name conveyor serve imports)
    setattr(sequencer.Sequencer, "receive", timed_receive)  # noqa: B010


if __name__ == "__main__":
    path = os.environ["CONVEYOR_PROBE_FILE"]
    probe(open(path, "a", buffering=1))  # noqa: SIM115 (for the process's life)
    log_collections(open(f"{path}.gc", "a", buffering=1))  # noqa: SIM115
    log_posts(open(f"{path}.requests", "a", buffering=1), open(f"{path}.received", "a", buffering=1))  # noqa: SIM115
    if os.environ.get("CONVEYOR_PROBE_WALK_ALL") == "1":
        setattr(RoomIndex, "wanted", lambda *_: True)  # noqa: B010
    main()
