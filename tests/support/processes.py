"""Conveyor servers as real OS processes (``python -m conveyor serve``)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.server import ADMIN_PASSWORD


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def conveyor_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of a Conveyor process: this one's, minus CONVEYOR_*, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONVEYOR_")}
    env.update(CONVEYOR_DATA_DIR=str(data_dir), CONVEYOR_ADMIN_PASSWORD=ADMIN_PASSWORD, PYTHONUNBUFFERED="1")
    env.update({f"CONVEYOR_{key.upper()}": value for key, value in settings.items()})
    return env


@contextmanager
def server_process(data_dir: Path, **settings: str) -> Iterator[str]:
    """Start ``conveyor serve``; yield its base URL once it answers; stop it afterwards."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log = (data_dir / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "conveyor", "serve", "--port", str(port)],
        env=conveyor_env(data_dir, **settings),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base_url, process, data_dir / "server.log")
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def wait_until_ready(base_url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling a process's readiness, not waiting for an event
    raise TimeoutError(f"server at {base_url} not ready:\n{log.read_text()[-4000:]}")
