"""Server CPU per HTTP request: what persistence and authentication cost before any fan-out.

Starts ``conveyor serve`` (SQLite, or CONVEYOR_DATABASE_URL), sends sequential requests and
divides the server process's CPU time by their number.

    .venv/bin/python -m bench.bench_request_cost [--requests 1000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil

ADMIN_PASSWORD = "bench-admin-password"
ALERT = {"title": "bench", "severity": "info", "message": "", "source": "bench"}


def start_server(port: int, data_dir: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "CONVEYOR_DATA_DIR"}
    env.update(CONVEYOR_DATA_DIR=data_dir, CONVEYOR_ADMIN_PASSWORD=ADMIN_PASSWORD)
    conveyor = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "conveyor"
    command = [str(conveyor), "serve", "--port", str(port)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_ready(client: httpx.Client) -> None:
    deadline = time.monotonic() + 240  # a busy shared machine starts slowly
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--port", type=int, default=8797)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        server = start_server(args.port, data_dir)
        try:
            client = httpx.Client(base_url=f"http://127.0.0.1:{args.port}", timeout=30)
            wait_ready(client)
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
            print(f"server CPU per request ({database}, {args.requests} sequential requests):")
            for name, send in requests.items():
                print(f"  {name:30s} {cpu_per_request(process, send, args.requests):6.2f} ms")
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
