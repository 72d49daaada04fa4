"""``conveyor serve`` with the time each event's fan-out started and ended (its last
``transport.write``) appended to the file ``CONVEYOR_PROBE_FILE``, one line per ``system_alert``
titled ``bench-<i>``: ``i,start,end`` (Unix seconds). bench_ws_fanout.py ``--server-timeline``
runs the server this way, to split a delivery's latency into the server's part (POST sent ->
last write) and the clients' (last write -> receipt). Each garbage collection is also logged to
``CONVEYOR_PROBE_FILE.gc``: ``generation,start,end`` (Unix seconds), to tell whether a slow event
waited for one. ``CONVEYOR_PROBE_WALK_ALL=1`` walks every event's sockets as before events no
socket wants were skipped (room_index.py), for a before/after in one session. Benchmark-only:
nothing in the server depends on it.

    CONVEYOR_PROBE_FILE=/tmp/probe.csv .venv/bin/python -m bench.conveyor_probe serve --port 8000
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Sequence
from typing import IO, Any

from conveyor.cli import main
from conveyor.events.realtime import sequencer
from conveyor.events.realtime.delivery import Outgoing, fan_out
from conveyor.events.realtime.room_index import RoomIndex


def _bench_index(item: Outgoing) -> int | None:
    envelope = item.envelope
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
            index = _bench_index(item)
            if index is not None:
                out.write(f"{index},{start:.6f},{end:.6f}\n")

    setattr(sequencer, "fan_out", timed_fan_out)  # noqa: B010 (the name the sequencer calls)


def log_collections(out: IO[str]) -> None:
    started = 0.0

    def timed(phase: str, info: dict[str, Any]) -> None:
        nonlocal started
        if phase == "start":
            started = time.time()
        else:
            out.write(f"{info['generation']},{started:.6f},{time.time():.6f}\n")

    gc.callbacks.append(timed)


if __name__ == "__main__":
    path = os.environ["CONVEYOR_PROBE_FILE"]
    probe(open(path, "a", buffering=1))  # noqa: SIM115 (for the process's life)
    log_collections(open(f"{path}.gc", "a", buffering=1))  # noqa: SIM115
    if os.environ.get("CONVEYOR_PROBE_WALK_ALL") == "1":
        setattr(RoomIndex, "wanted", lambda *_: True)  # noqa: B010
    main()
