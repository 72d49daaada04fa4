"""WebSocket fan-out benchmark: N socket.io clients receiving ``system_alert`` events.

The server under test runs in its own process: Conveyor (``conveyor serve``), the minimal
python-socketio server (bench/minimal_fanout_server.py) or the Node.js socket.io server
(bench/node/fanout_server.mjs). Clients are Node socket.io-client processes
(bench/node/clients.mjs). This process posts alerts (steady rate, or as fast as the server
answers) and measures deliveries, latency from POST to receipt, loss, server CPU per delivery,
memory per connection and how busy the load generator was.

    (cd bench/node && npm ci)
    .venv/bin/python -m bench.bench_ws_fanout --server conveyor --clients 1000 --rate 20 --events 300
    .venv/bin/python -m bench.bench_ws_fanout --matrix          # everything in bench/results/ws_fanout.md
    .venv/bin/python -m bench.bench_ws_fanout --server conveyor --clients 1000 --mode max --profile
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from bench.fanout_processes import ClientGroup, Server, cpu_seconds, free_port, run_queue_seconds
from bench.http_post import Poster

RESULTS = Path(__file__).parent / "results"
SERVERS = ["conveyor", "minimal", "node", "direct-send", "direct-frame"]
CLIENTS_PER_PROCESS = 500
DRAIN_IDLE_SECONDS = 5.0
DRAIN_LIMIT_SECONDS = 600.0


@dataclass(frozen=True)
class Scenario:
    server: str
    clients: int
    events: int
    mode: str  # "steady" (rate per second) or "max" (closed loop, `concurrency` POSTs in flight)
    rate: float
    compression: bool
    concurrency: int = 4
    pinned: bool = False  # server alone on CPU 1; clients and publisher on CPU 0
    # Conveyor also notifies the (admin) clients of each alert, a user_notification event: by
    # default they subscribe to system_alert only, so that every server sends one frame per
    # alert per client; True: they get (and the server writes) both.
    all_events: bool = False
    # The client processes' niceness: > 0 lets the publisher, on the same core, post on time
    # however busy the clients are (otherwise "50/s" can mean fewer: the publisher starves).
    clients_nice: int = 0
    # How long the drain waits with nothing arriving (and no client reconnecting) before it
    # counts what never came as lost.
    drain_idle_seconds: float = DRAIN_IDLE_SECONDS


@dataclass
class Result:
    scenario: Scenario
    posted: int
    deliveries: int
    lost: int
    duplicates: int
    deliveries_per_second: float
    events_per_second: float
    latency_p50_ms: float
    latency_p99_ms: float
    latency_max_ms: float
    server_cpu_percent: float
    server_us_per_delivery: float
    server_system_share: float
    memory_kib_per_connection: float
    generator_cpu_percent: list[float]
    publisher_cpu_percent: float
    machine_cpu_percent: float
    softirq_cpu_percent: float
    window_seconds: float
    load_average: float = 0.0  # the machine's 1-minute load average as the run started
    # Clients whose connection ended (a slow_consumer drop, a ping timeout) reconnect and resume
    # from the last seq they saw: how often, why, and how many were told slow_consumer.
    resumes: int = 0
    slow_consumer_notices: int = 0
    disconnect_reasons: dict[str, int] = field(default_factory=dict)
    lost_by_event: dict[str, int] = field(default_factory=dict)  # event index -> clients that never got it
    # The first clients (of each client process) that missed deliveries: their last seq, resumes,
    # whether connected, when last authenticated and last sent an event (Unix ms): why they missed.
    lost_clients: list[dict[str, Any]] = field(default_factory=list)
    # --probe (Conveyor): POST sent -> the event's last transport.write, over events.
    server_p50_ms: float | None = None
    server_p99_ms: float | None = None
    client_side_p99_ms: float | None = None  # --probe: the event's last write -> receipt, over deliveries
    # CPU of the Node client processes (all their threads: zlib runs in libuv's pool) per delivery
    generator_us_per_delivery: float = 0.0
    # % of the run each process was runnable but waiting for a CPU: server, client processes
    # (summed), publisher (this process)
    waiting_for_cpu_percent: list[float] = field(default_factory=list)


# Publishing ----------------------------------------------------------------------------------


async def publish(server: Server, scenario: Scenario) -> tuple[list[float], list[float]]:
    """Post ``events`` alerts titled ``bench-<i>``; return the wall time each POST was sent and
    the time each was answered."""
    sent = [0.0] * scenario.events
    answered = [0.0] * scenario.events
    poster = Poster(server.url, server.token)
    try:

        async def post(index: int) -> None:
            body = {"title": f"bench-{index}", "severity": "info", "message": "", "source": "bench"}
            sent[index] = time.time()
            await poster.post(server.alert_path, body)
            answered[index] = time.time()

        if scenario.mode == "steady":
            await _at_steady_rate(post, scenario.events, scenario.rate)
        else:
            await _as_fast_as_answered(post, scenario.events, scenario.concurrency)
    finally:
        poster.close()
    return sent, answered


async def _at_steady_rate(post: Any, events: int, rate: float) -> None:
    start = time.monotonic()
    tasks = []
    for index in range(events):
        delay = start + index / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(post(index)))
    await asyncio.gather(*tasks)


async def _as_fast_as_answered(post: Any, events: int, concurrency: int) -> None:
    indexes = iter(range(events))

    async def worker() -> None:
        for index in indexes:
            await post(index)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


# One run -------------------------------------------------------------------------------------


SERVER_CPU, OTHERS_CPU = "1", "0"


def run(
    scenario: Scenario, *, profile: Path | None = None, timeline: Path | None = None, probe: bool = False
) -> Result:
    server_cpu = SERVER_CPU if scenario.pinned else None
    probe = probe and scenario.server == "conveyor"
    server = Server(scenario.server, free_port(), scenario.compression, server_cpu, probe=probe)
    if scenario.pinned:
        os.sched_setaffinity(0, {int(OTHERS_CPU)})
    groups: list[ClientGroup] = []
    try:
        load = os.getloadavg()[0]
        server.start()
        _warm_up(server)
        rss_before = server.ps.memory_info().rss
        groups = _connect_clients(server, scenario)
        rss_connected = server.ps.memory_info().rss
        per_connection = (rss_connected - rss_before) / scenario.clients
        result = _measure(server, groups, scenario, per_connection, profile, timeline)
        result.load_average = load
        return result
    finally:
        for group in groups:
            group.stop()
        server.stop()


def _warm_up(server: Server) -> None:
    headers = {"Authorization": f"Bearer {server.token}"} if server.token else {}
    body = {"title": "warm-up", "severity": "info", "message": "", "source": "bench"}
    for _ in range(3):
        httpx.post(
            f"{server.url}{server.alert_path}", json=body, headers=headers, timeout=30
        ).raise_for_status()


def _connect_clients(server: Server, scenario: Scenario) -> list[ClientGroup]:
    sizes = [CLIENTS_PER_PROCESS] * (scenario.clients // CLIENTS_PER_PROCESS)
    if scenario.clients % CLIENTS_PER_PROCESS:
        sizes.append(scenario.clients % CLIENTS_PER_PROCESS)
    cpus = OTHERS_CPU if scenario.pinned else None
    subscribe = None if scenario.all_events else {"eventTypes": ["system_alert"]}
    groups = [
        ClientGroup(server.url, size, server.token, scenario.events, cpus, subscribe, scenario.clients_nice)
        for size in sizes
    ]
    for group in groups:
        group.start()
    for group in groups:
        group.wait_ready()
    return groups


def _measure(
    server: Server,
    groups: list[ClientGroup],
    scenario: Scenario,
    memory_per_connection: float,
    profile: Path | None,
    timeline: Path | None,
) -> Result:
    import psutil

    me = psutil.Process()
    cpu_before = [cpu_seconds(server.ps), *(cpu_seconds(g.ps) for g in groups), cpu_seconds(me)]
    waits_before = _run_queue(server, groups, me)
    machine_before, server_before = psutil.cpu_times(), server.ps.cpu_times()
    profiler = _start_profiler(server, profile) if profile else None
    started = time.monotonic()
    sent, answered = asyncio.run(publish(server, scenario))
    _drain(groups, scenario.clients * scenario.events, scenario.drain_idle_seconds)
    elapsed = time.monotonic() - started
    if profiler is not None and profile is not None:
        _stop_profiler(profiler, profile)
    cpu_after = [cpu_seconds(server.ps), *(cpu_seconds(g.ps) for g in groups), cpu_seconds(me)]
    waits = [
        (a - b) / elapsed * 100 for a, b in zip(_run_queue(server, groups, me), waits_before, strict=True)
    ]
    machine = _machine_busy(machine_before, psutil.cpu_times(), elapsed)
    server_after = server.ps.cpu_times()
    system_share = (server_after.system - server_before.system) / max(cpu_after[0] - cpu_before[0], 1e-9)
    busy = [(after - before) / elapsed * 100 for before, after in zip(cpu_before, cpu_after, strict=True)]
    reports = [group.ask(f"report {scenario.events}") for group in groups]
    fan_outs = read_fan_out_times(server.probe_file) if server.probe else {}
    if timeline is not None:
        write_timeline(timeline, sent, answered, reports, fan_outs)
    result = _result(scenario, sent, reports, [*busy, *machine, system_share], elapsed, memory_per_connection)
    result.waiting_for_cpu_percent = waits
    if fan_outs:
        _split_latency(result, sent, reports, fan_outs)
    return result


def _split_latency(
    result: Result, sent: list[float], reports: list[dict[str, Any]], fan_outs: dict[int, tuple[float, float]]
) -> None:
    """Server-side: POST sent -> the event's last write (per event). Client-side: the event's
    last write -> each receipt (per delivery; 0 for a receipt before the fan-out ended)."""
    server_side = np.array([fan_outs[i][1] - at for i, at in enumerate(sent) if i in fan_outs])
    result.server_p50_ms = float(np.percentile(server_side, 50) * 1000)
    result.server_p99_ms = float(np.percentile(server_side, 99) * 1000)
    after = [
        max(t / 1000 - fan_outs[i][1], 0.0)
        for report in reports
        for i, times in enumerate(report["recv"])
        if i in fan_outs
        for t in times
    ]
    result.client_side_p99_ms = float(np.percentile(np.array(after), 99) * 1000)


def _run_queue(server: Server, groups: list[ClientGroup], me: Any) -> list[float]:
    clients = sum(run_queue_seconds(group.ps) for group in groups)
    return [run_queue_seconds(server.ps), clients, run_queue_seconds(me)]


def read_fan_out_times(path: Path) -> dict[int, tuple[float, float]]:
    """Event index -> (fan-out start, last write), Unix seconds, from bench/conveyor_probe.py."""
    times = {}
    for line in path.read_text().splitlines() if path.exists() else []:
        index, start, end = line.split(",")
        times[int(index)] = (float(start), float(end))
    return times


def _machine_busy(before: Any, after: Any, elapsed: float) -> tuple[float, float]:
    """Whole-machine CPU % (of 100 x cores) and the part spent in softirq (loopback TCP)."""
    idle = (after.idle - before.idle) + (after.iowait - before.iowait)
    total = sum(after) - sum(before)
    return (total - idle) / elapsed * 100, (after.softirq - before.softirq) / elapsed * 100


def _drain(groups: list[ClientGroup], expected: int, idle: float) -> None:
    """Wait until every delivery arrived, or nothing arrived for ``idle`` seconds while no
    client was reconnecting (a resume in flight still has deliveries to bring), within
    DRAIN_LIMIT_SECONDS."""
    started = last_change = time.monotonic()
    last = -1
    while time.monotonic() - started < DRAIN_LIMIT_SECONDS:
        statuses = [group.ask("status") for group in groups]
        received = sum(status["received"] for status in statuses)
        if received >= expected:
            return
        if received != last or any(status.get("reconnecting") for status in statuses):
            last, last_change = received, time.monotonic()
        elif time.monotonic() - last_change >= idle:
            return
        time.sleep(0.05)


def _result(
    scenario: Scenario,
    sent: list[float],
    reports: list[dict[str, Any]],
    busy: list[float],
    elapsed: float,
    memory_per_connection: float,
) -> Result:
    latencies = np.array(
        [t / 1000 - sent[i] for report in reports for i, times in enumerate(report["recv"]) for t in times]
    )
    last_receipt = max(t for report in reports for times in report["recv"] for t in times) / 1000
    window = last_receipt - min(sent)
    deliveries = int(latencies.size)
    busy, (machine, softirq, system_share) = busy[:-3], busy[-3:]
    server_cpu = busy[0] / 100 * elapsed
    return Result(
        scenario=scenario,
        posted=len(sent),
        deliveries=deliveries,
        lost=sum(r["lost"] for r in reports),
        duplicates=sum(r["duplicates"] for r in reports),
        resumes=sum(r.get("resumes", 0) for r in reports),
        slow_consumer_notices=sum(r.get("slowConsumerNotices", 0) for r in reports),
        disconnect_reasons=dict(sum((Counter(r.get("disconnectReasons", {})) for r in reports), Counter())),
        lost_by_event=dict(sum((Counter(r.get("lostByEvent", {})) for r in reports), Counter())),
        lost_clients=[c for r in reports for c in r.get("lostClients", [])],
        deliveries_per_second=deliveries / window,
        events_per_second=len(sent) / window,
        latency_p50_ms=float(np.percentile(latencies, 50) * 1000),
        latency_p99_ms=float(np.percentile(latencies, 99) * 1000),
        latency_max_ms=float(latencies.max() * 1000),
        server_cpu_percent=busy[0],
        server_us_per_delivery=server_cpu / max(deliveries, 1) * 1e6,
        server_system_share=system_share,
        memory_kib_per_connection=memory_per_connection / 1024,
        generator_cpu_percent=busy[1:-1],
        generator_us_per_delivery=sum(busy[1:-1]) / 100 * elapsed / max(deliveries, 1) * 1e6,
        publisher_cpu_percent=busy[-1],
        machine_cpu_percent=machine,
        softirq_cpu_percent=softirq,
        window_seconds=window,
    )


def write_timeline(
    path: Path,
    sent: list[float],
    answered: list[float],
    reports: list[dict[str, Any]],
    fan_outs: dict[int, tuple[float, float]],
) -> None:
    """One CSV row per event, in the order posted: when it was sent (s after the first POST),
    how long its POST took, when the server's fan-out started and made its last write (--probe,
    Conveyor) and when its receipts arrived (ms after it was sent): where a latency tail comes
    from (a slow POST, a slow fan-out, clients behind) and whether it recurs."""
    start = min(sent)
    lines = ["event,sent_s,post_ms,fan_out_ms,last_write_ms,first_ms,median_ms,last_ms,receipts"]
    for index, at in enumerate(sent):
        times = sorted(t / 1000 - at for report in reports for t in report["recv"][index])
        spread = [times[0], times[len(times) // 2], times[-1]] if times else [float("nan")] * 3
        server = [t - at for t in fan_outs[index]] if index in fan_outs else [float("nan")] * 2
        cells = [at - start, answered[index] - at, *server, *spread]
        lines.append(
            f"{index},"
            + ",".join(f"{v * (1 if i == 0 else 1000):.3f}" for i, v in enumerate(cells))
            + f",{len(times)}"
        )
    path.write_text("\n".join(lines) + "\n")


# Profiling (py-spy, installed into .venv for the benchmark only) -------------------------------


def _start_profiler(server: Server, output: Path) -> subprocess.Popen[bytes]:
    import sys

    py_spy = str(Path(sys.executable).with_name("py-spy"))
    command = [
        py_spy,
        "record",
        "--pid",
        str(server.ps.pid),
        "--format",
        "raw",
        "--rate",
        "250",
        "-o",
        str(output),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # py-spy attaches before the load starts
    return process


def _stop_profiler(process: subprocess.Popen[bytes], output: Path) -> None:
    process.send_signal(2)
    process.wait(60)
    print(summarize_profile(output))


def summarize_profile(path: Path, top: int = 20) -> str:
    """Where the event loop's time goes, from py-spy's collapsed stacks (main thread only).

    Frames above ``Runner.run`` are the same for every sample and left out; a sample whose
    innermost frame is ``Runner.run`` is time in the loop itself (uvloop, I/O, callbacks).
    """
    by_task: Counter[str] = Counter()
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        frames = [_frame_name(frame) for frame in stack.split(";")]
        if "runners.py:Runner.run" not in frames:
            continue  # other threads (aiosqlite's worker, mostly waiting)
        below = frames[frames.index("runners.py:Runner.run") + 1 :] or ["(event loop itself)"]
        count = int(count_text)
        by_task[below[0]] += count
        own[below[-1]] += count
        for name in set(below):
            inclusive[name] += count
    total = sum(by_task.values())
    return "\n".join(
        [
            f"main-thread samples: {total}",
            *_ranked("by task (entry coroutine)", by_task, total, top),
            *_ranked("inclusive", inclusive, total, top * 2),
            *_ranked("self", own, total, top),
        ]
    )


def _ranked(title: str, counts: Counter[str], total: int, top: int) -> list[str]:
    return ["", f"{title}:"] + [f"  {n / total:6.1%}  {name}" for name, n in counts.most_common(top)]


def _frame_name(frame: str) -> str:
    """``function (path/to/module.py:12)`` -> ``module.py:function``."""
    function, _, where = frame.partition(" (")
    module = where.rsplit("/", 1)[-1].split(":", 1)[0]
    return f"{module}:{function}"


# Reporting -----------------------------------------------------------------------------------


def row(result: Result) -> str:
    s, r = result.scenario, result
    load = f"{s.rate:g}/s" if s.mode == "steady" else f"max (c={s.concurrency})"
    cells = [
        s.server,
        s.clients,
        "on" if s.compression else "off",
        load,
        r.posted,
        f"{r.events_per_second:.1f}",
        f"{r.deliveries_per_second:,.0f}",
        f"{r.latency_p50_ms:.1f}",
        f"{r.latency_p99_ms:.1f}",
        "" if r.server_p99_ms is None else f"{r.server_p50_ms:.1f} / {r.server_p99_ms:.1f}",
        "" if r.client_side_p99_ms is None else f"{r.client_side_p99_ms:.1f}",
        r.lost,
        r.duplicates,
        f"{r.resumes} ({r.slow_consumer_notices})",
        f"{r.server_cpu_percent:.0f}",
        f"{r.server_us_per_delivery:.1f} ({r.server_system_share:.0%} sys)",
        f"{r.memory_kib_per_connection:.1f}",
        "/".join(f"{p:.0f}" for p in r.generator_cpu_percent) + f" ({r.generator_us_per_delivery:.1f} µs)",
        f"{r.publisher_cpu_percent:.0f}",
        f"{r.machine_cpu_percent:.0f} ({r.softirq_cpu_percent:.0f})",
        f"{r.load_average:.1f}",
        "/".join(f"{w:.0f}" for w in r.waiting_for_cpu_percent),
    ]
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


COLUMNS = [
    "server",
    "clients",
    "deflate",
    "load",
    "events",
    "events/s",
    "deliveries/s",
    "p50 ms",
    "p99 ms",
    "server-side p50 / p99 ms",
    "last write -> receipt p99 ms",
    "lost",
    "dup",
    "resumed (slow_consumer)",
    "server CPU %",
    "server µs/delivery",
    "KiB/conn",
    "generator CPU % (µs/delivery)",
    "publisher CPU %",
    "machine CPU % (softirq)",
    "load",
    "waiting for a CPU % (server/clients/publisher)",
]
HEADER = "| " + " | ".join(COLUMNS) + " |\n" + "|---" * len(COLUMNS) + "|"


MATRIX_SERVERS = ("conveyor", "minimal", "node")


def matrix(events: int, clients: list[int], pinned: bool, deliveries: int) -> list[Scenario]:
    """Issue 16's table: steady 50/s and closed-loop max, deflate off and on, per client count;
    5,000 clients also at 10/s (the target there). Each run posts ``events`` alerts, fewer where
    that would mean more than ``deliveries`` deliveries (the whole table in minutes)."""
    scenarios = []
    for compression in (False, True):
        for count in clients:
            posted = min(events, max(deliveries // count, 20))
            loads = [("steady", 50.0), ("max", 0.0)] + ([("steady", 10.0)] if count >= 5000 else [])
            for mode, rate in loads:
                for server in MATRIX_SERVERS:
                    scenarios.append(Scenario(server, count, posted, mode, rate, compression, pinned=pinned))
    return scenarios


TARGETS = ((1000, 50.0), (5000, 10.0))  # issue 16's targets: kept up, p99 < 100 ms at 1,000; 0 lost


def targets(events: int, servers: list[str], pinned: bool, deliveries: int) -> list[Scenario]:
    """Only the rows issue 16 sets targets for, deflate off and on, as --matrix runs them."""
    return [
        Scenario(
            server,
            count,
            min(events, max(deliveries // count, 20)),
            "steady",
            rate,
            compression,
            pinned=pinned,
        )
        for compression in (False, True)
        for count, rate in TARGETS
        for server in servers
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--server", choices=SERVERS, default="conveyor")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--mode", choices=["steady", "max"], default="steady")
    parser.add_argument("--rate", type=float, default=20.0, help="alerts per second (steady mode)")
    parser.add_argument("--concurrency", type=int, default=4, help="POSTs in flight (max mode)")
    parser.add_argument("--compression", action="store_true", help="per-message deflate on")
    parser.add_argument("--profile", type=Path, help="py-spy collapsed stacks of the server to this file")
    parser.add_argument("--timeline", type=Path, help="per-event CSV (POST and receipt times) to this file")
    parser.add_argument("--matrix", action="store_true", help="run every scenario; append to results/")
    parser.add_argument("--matrix-clients", default="100,1000,5000", help="client counts of --matrix")
    parser.add_argument(
        "--targets",
        action="store_true",
        help="only the target rows (1,000 x 50/s, 5,000 x 10/s, deflate off and on) for --servers",
    )
    parser.add_argument("--servers", default="conveyor,node", help="servers of --targets")
    parser.add_argument(
        "--clients-nice",
        type=int,
        default=0,
        help="run the client processes at this niceness, so that the publisher sharing their "
        "core posts at the rate asked however busy they are",
    )
    parser.add_argument(
        "--matrix-deliveries", type=int, default=300_000, help="--matrix: at most this many deliveries a run"
    )
    parser.add_argument("--pin", action="store_true", help="server alone on CPU 1, the rest on CPU 0")
    parser.add_argument(
        "--all-events",
        action="store_true",
        help="Conveyor's clients also take the admin notification of each alert (2 frames per alert)",
    )
    parser.add_argument("--no-deflate", action="store_true", help="--matrix without the deflate-on half")
    parser.add_argument(
        "--probe",
        action="store_true",
        help="Conveyor: time each event's fan-out in the server (bench/conveyor_probe.py): "
        "the server-side latency column, POST sent -> last write",
    )
    parser.add_argument("--deflate-only", action="store_true", help="--matrix without the deflate-off half")
    parser.add_argument(
        "--drain-idle",
        type=float,
        default=DRAIN_IDLE_SECONDS,
        help="seconds with no delivery (and none reconnecting) after which what is missing counts as lost",
    )
    args = parser.parse_args()
    if args.targets:
        scenarios = targets(args.events, args.servers.split(","), args.pin, args.matrix_deliveries)
    elif args.matrix:
        counts = [int(n) for n in args.matrix_clients.split(",")]
        scenarios = [
            s
            for s in matrix(args.events, counts, args.pin, args.matrix_deliveries)
            if not (args.no_deflate and s.compression) and not (args.deflate_only and not s.compression)
        ]
    else:
        scenarios = [
            Scenario(
                args.server,
                args.clients,
                args.events,
                args.mode,
                args.rate,
                args.compression,
                args.concurrency,
                args.pin,
                args.all_events,
            )
        ]
    scenarios = [
        replace(s, clients_nice=args.clients_nice, drain_idle_seconds=args.drain_idle) for s in scenarios
    ]
    print(HEADER, flush=True)
    for scenario in scenarios:
        result = run(scenario, profile=args.profile, timeline=args.timeline, probe=args.probe)
        print(row(result), flush=True)
        with (RESULTS / "ws_fanout.jsonl").open("a") as log:
            log.write(json.dumps(asdict(result)) + "\n")


if __name__ == "__main__":
    main()
