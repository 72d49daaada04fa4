"""Processes for bench_ws_fanout.py: the server under test and the Node load-generator clients."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
NODE_DIR = ROOT / "bench" / "node"
ADMIN_PASSWORD = "bench-admin-password"
ALERT_PATH = {"conveyor": "/api/v1/system/alerts"}  # every other server: POST /emit


@dataclass
class Server:
    """One server under test, in its own process, logging to a file."""

    kind: str
    port: int
    compression: bool
    cpus: str | None = None  # taskset list: the server alone on a core, as Node's single thread
    process: subprocess.Popen[bytes] | None = None
    token: str | None = None
    scratch: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="bench-fanout-")))
    probe: bool = False  # Conveyor: each event's fan-out start and end to probe_file (conveyor_probe.py)

    @property
    def probe_file(self) -> Path:
        return self.scratch / "fan_out_times.csv"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def alert_path(self) -> str:
        return ALERT_PATH.get(self.kind, "/emit")

    @property
    def ps(self) -> psutil.Process:
        assert self.process is not None
        return psutil.Process(self.process.pid)

    def command(self) -> tuple[list[str], dict[str, str]]:
        env = dict(os.environ)
        if self.kind == "conveyor":
            env.update(
                CONVEYOR_DATA_DIR=str(self.scratch / "data"),
                CONVEYOR_ADMIN_PASSWORD=ADMIN_PASSWORD,
                CONVEYOR_JWT_SECRET=secrets.token_urlsafe(40),
                CONVEYOR_WS_COMPRESSION="true" if self.compression else "false",
            )
            serve = ["serve", "--port", str(self.port)]
            if self.probe:
                env["CONVEYOR_PROBE_FILE"] = str(self.probe_file)
                return [sys.executable, "-m", "bench.conveyor_probe", *serve], env
            return [str(Path(sys.executable).with_name("conveyor")), *serve], env
        flag = ["--compression"] if self.compression else []
        if self.kind == "minimal":
            return [
                sys.executable,
                str(ROOT / "bench" / "minimal_fanout_server.py"),
                str(self.port),
                *flag,
            ], env
        if self.kind.startswith("direct-"):
            mode = self.kind.removeprefix("direct-")
            return [sys.executable, "-m", "bench.direct_fanout_server", str(self.port), mode], env
        return ["node", str(NODE_DIR / "fanout_server.mjs"), str(self.port), *flag], env

    def start(self) -> None:
        command, env = self.command()
        if self.cpus is not None:
            command = ["taskset", "-c", self.cpus, *command]
        log = (self.scratch / "server.log").open("wb")
        self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        wait_until_healthy(self.url, self.process)
        if self.kind == "conveyor":
            body = {"username": "admin", "password": ADMIN_PASSWORD}
            reply = httpx.post(f"{self.url}/api/v1/auth/login", json=body, timeout=30)
            reply.raise_for_status()
            self.token = reply.json()["access_token"]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wait_until_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not become healthy")


@dataclass
class ClientGroup:
    """One Node process holding ``count`` socket.io clients (bench/node/clients.mjs)."""

    url: str
    count: int
    token: str | None
    max_events: int
    cpus: str | None = None
    subscribe: dict[str, Any] | None = None  # the filter sent with the token (Conveyor)
    niceness: int = 0  # > 0: the publisher (this process) gets the shared core before the clients
    process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        env = dict(
            os.environ,
            URL=self.url,
            COUNT=str(self.count),
            TOKEN=self.token or "",
            MAX_EVENTS=str(self.max_events),
            SUBSCRIBE=json.dumps(self.subscribe) if self.subscribe else "",
        )
        command = ["node", str(NODE_DIR / "clients.mjs")]
        if profile_dir := os.environ.get("BENCH_CLIENT_CPU_PROF_DIR"):  # V8 profiles, written at exit
            command[1:1] = ["--cpu-prof", "--cpu-prof-dir", profile_dir]
        if self.cpus is not None:
            command = ["taskset", "-c", self.cpus, *command]
        if self.niceness:
            command = ["nice", "-n", str(self.niceness), *command]
        self.process = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )

    def wait_ready(self) -> None:
        reply = self._read()
        if reply.get("type") != "ready" or reply["sockets"] != self.count:
            raise RuntimeError(f"clients not ready: {reply}")

    def ask(self, command: str) -> dict[str, Any]:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._read()

    def _read(self) -> dict[str, Any]:
        assert self.process is not None and self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"client process exited with {self.process.poll()}")
        reply: dict[str, Any] = json.loads(line)
        return reply

    @property
    def ps(self) -> psutil.Process:
        assert self.process is not None
        return psutil.Process(self.process.pid)

    def stop(self) -> None:
        """Ask the process to exit (so that NODE_OPTIONS=--cpu-prof writes its profile), then kill it."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            assert self.process.stdin is not None
            self.process.stdin.write("exit\n")
            self.process.stdin.flush()
            self.process.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def run_queue_seconds(process: psutil.Process) -> float:
    """How long the process's threads were runnable but waiting for a CPU (schedstat), so far:
    a starved process (a busy core) shows here, an idle one does not."""
    total = 0
    for task in Path(f"/proc/{process.pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue  # a thread that ended meanwhile
    return total / 1e9


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
