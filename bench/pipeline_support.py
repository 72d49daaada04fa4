"""Shared by the pipeline benchmarks: a real server in this process, a socket that timestamps
every event it receives, and the few API calls the benchmarks make."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import socketio

from conveyor.config import Settings
from tests.support.server import ADMIN_PASSWORD, RunningServer, run_server

JWT_SECRET = "jwt-secret-for-benchmarks-0123456789abcdef"


def local_settings(scratch: Path, **overrides: Any) -> Settings:
    base: dict[str, Any] = {
        "environment": "test",
        "data_dir": scratch / "data",
        "admin_password": ADMIN_PASSWORD,
        "jwt_secret": JWT_SECRET,
    }
    return Settings(**{**base, **overrides})


@asynccontextmanager
async def bench_server(settings: Settings) -> AsyncIterator[tuple[RunningServer, str]]:
    async with run_server(settings) as server:
        yield server, await server.admin_token()


class Recorder:
    """A socket.io client that keeps (arrival time, event name, envelope) for every event."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.events: list[tuple[float, str, dict[str, Any]]] = []
        self.changed = asyncio.Condition()
        self.client.on("*", self._record, namespace="/ws")

    async def _record(self, event: str, data: Any) -> None:
        self.events.append((time.perf_counter(), event, data))
        async with self.changed:
            self.changed.notify_all()

    async def connect(self, url: str, token: str) -> None:
        await self.client.connect(url, namespaces=["/ws"], transports=["websocket"], wait_timeout=10)
        await self.client.emit("authenticate", {"token": token}, namespace="/ws")

    async def first(self, event: str, execution_id: str, timeout: float = 60) -> float:
        """Arrival time of the first ``event`` of this execution."""

        def found() -> float | None:
            for at, name, data in self.events:
                if name == event and data.get("data", {}).get("executionId") == execution_id:
                    return at
            return None

        async with asyncio.timeout(timeout), self.changed:
            while (at := found()) is None:
                await self.changed.wait()
            return at

    async def close(self) -> None:
        await self.client.disconnect()


async def post(server: RunningServer, token: str, path: str, body: dict[str, Any], expect: int) -> Any:
    async with server.api(token) as client:
        response = await client.post(f"/api/v1{path}", json=body)
    assert response.status_code == expect, response.text
    return response.json()


async def pipeline(server: RunningServer, token: str, name: str, definition: str) -> str:
    project = await post(server, token, "/projects", {"name": name}, 201)
    created = await post(
        server, token, f"/projects/{project['id']}/pipelines", {"name": name, "definition": definition}, 201
    )
    return str(created["id"])


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]
