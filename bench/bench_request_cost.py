"""Server CPU per HTTP request: what persistence and authentication cost before any fan-out.

Starts ``conveyor serve`` (SQLite, or CONVEYOR_DATABASE_URL), sends sequential requests and
divides the server process's CPU time by their number. With ``--callgrind`` the server runs
under valgrind and the figure is instructions per request (every thread, user space): it does
not depend on what else the machine runs, unlike CPU time (kernel time is not counted), and
covers the request path only: the node's timed loops (the notification dispatcher, metrics,
status checks, reaper, scheduler, debug watcher) are set to run hourly.

    .venv/bin/python -m bench.bench_request_cost [--requests 1000] [--callgrind]

Another checkout's code is measured with ``PYTHONPATH=/that/checkout/src`` (the server is
started with this environment), e.g. interleaved runs before and after a change.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil

ADMIN_PASSWORD = "bench-admin-password"
ALERT = {"title": "bench", "severity": "info", "message": "", "source": "bench"}
TIMED_LOOPS = ("REAPER", "SCHEDULER", "METRICS", "STATUS", "NOTIFY", "DEBUG")


def start_server(port: int, data_dir: str, *, callgrind: bool = False) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "CONVEYOR_DATA_DIR"}
    env.update(CONVEYOR_DATA_DIR=data_dir, CONVEYOR_ADMIN_PASSWORD=ADMIN_PASSWORD)
    venv = Path(__file__).resolve().parents[1] / ".venv" / "bin"
    command = [str(venv / "conveyor"), "serve", "--port", str(port)]
    if callgrind:
        # Under valgrind a request takes ~50 times longer, so the node's timed loops would run
        # that much more often per request: they are kept out of the count.
        quiet = {f"CONVEYOR_{loop}_INTERVAL_SECONDS": "3600" for loop in TIMED_LOOPS}
        env.update(quiet)
        dumps = f"--callgrind-out-file={data_dir}/callgrind.%p"
        command = ["valgrind", "--tool=callgrind", dumps, str(venv / "python"), *command]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_ready(client: httpx.Client, *, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout  # a busy shared machine starts slowly
    while time.monotonic() < deadline:
        try:
            if client.get("/healthz").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise TimeoutError("server did not start")


def cpu_per_request(process: psutil.Process, send: Callable[[], object], count: int) -> float:
    for _ in range(100):
        send()
    before = process.cpu_times()
    for _ in range(count):
        send()
    after = process.cpu_times()
    return ((after.user - before.user) + (after.system - before.system)) / count * 1000


def callgrind_control(command: str, pid: str) -> None:
    """Zero (``--zero``) or dump (``--dump``) the counters of a process running under callgrind."""
    subprocess.run(["callgrind_control", command, pid], check=True, capture_output=True)


def dumped_instructions(dumps: Path, pid: str) -> int:
    """The instruction total of the process's latest callgrind dump in ``dumps``."""
    latest = max(dumps.glob(f"callgrind.{pid}.*"), key=lambda path: path.stat().st_mtime)
    totals = re.search(r"^(?:totals|summary): (\d+)", latest.read_text(), re.MULTILINE)
    assert totals, f"no totals in {latest}"
    return int(totals.group(1))


class Instructions:
    """Instructions the server executes, read from callgrind's counters (zeroed, then dumped)."""

    def __init__(self, process: subprocess.Popen[bytes], dumps: Path) -> None:
        self.pid, self.dumps = str(process.pid), dumps

    def per_request(self, send: Callable[[], object], count: int) -> float:
        for _ in range(20):
            send()
        callgrind_control("--zero", self.pid)
        for _ in range(count):
            send()
        callgrind_control("--dump", self.pid)
        return dumped_instructions(self.dumps, self.pid) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--port", type=int, default=8797)
    parser.add_argument("--callgrind", action="store_true", help="count instructions (valgrind)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        server = start_server(args.port, data_dir, callgrind=args.callgrind)
        try:
            client = httpx.Client(base_url=f"http://127.0.0.1:{args.port}", timeout=300)
            wait_ready(client, timeout=1800 if args.callgrind else 240)
            login = {"username": "admin", "password": ADMIN_PASSWORD}
            token = client.post("/api/v1/auth/login", json=login).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            process = psutil.Process(server.pid)
            requests: dict[str, Callable[[], object]] = {
                "GET /healthz": lambda: client.get("/healthz"),
                "GET /api/v1/auth/me": lambda: client.get("/api/v1/auth/me", headers=headers),
                "POST /api/v1/system/alerts": lambda: client.post(
                    "/api/v1/system/alerts", json=ALERT, headers=headers
                ),
            }
            database = os.environ.get("CONVEYOR_DATABASE_URL", "SQLite")
            if args.callgrind:
                counter = Instructions(server, Path(data_dir))
                print(f"server instructions per request ({database}, {args.requests} sequential requests):")
                for name, send in requests.items():
                    print(f"  {name:30s} {counter.per_request(send, args.requests) / 1e6:6.2f} M")
                return
            print(f"server CPU per request ({database}, {args.requests} sequential requests):")
            for name, send in requests.items():
                print(f"  {name:30s} {cpu_per_request(process, send, args.requests):6.2f} ms")
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
