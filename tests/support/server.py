"""A real Conveyor server (uvicorn on a TCP port) inside the test's event loop."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn

from conveyor.app import build
from conveyor.auth.models import User
from conveyor.auth.security import password_stamp
from conveyor.config import Settings
from conveyor.container import Container
from tests.support.sockets import Listener

ADMIN_PASSWORD = "admin-password-for-tests"
USER_PASSWORD = "user-password-for-tests"


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


@dataclass
class RunningServer:
    base_url: str
    container: Container
    settings: Settings
    _listeners: list[Listener] = field(default_factory=list)
    _tokens: dict[str, str] = field(default_factory=dict)

    def api(self, token: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=30)

    async def login(self, username: str, password: str) -> str:
        async with self.api() as client:
            response = await client.post(
                "/api/v1/auth/login", json={"username": username, "password": password}
            )
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token

    async def admin_token(self) -> str:
        if "admin" not in self._tokens:
            self._tokens["admin"] = await self.login("admin", ADMIN_PASSWORD)
        return self._tokens["admin"]

    async def password_stamp(self, user_id: str) -> str:
        """What a JWT for this user must carry to be valid (``auth.security.password_stamp``)."""
        async with self.container.db.session() as session:
            user = await session.get(User, user_id)
        assert user is not None
        return password_stamp(user.password_hash)

    async def create_user(self, username: str, *, is_admin: bool = False) -> tuple[str, str]:
        """Create a user through the API; return (user id, access token)."""
        body = {"username": username, "password": USER_PASSWORD, "isAdmin": is_admin}
        async with self.api(await self.admin_token()) as client:
            response = await client.post("/api/v1/users", json=body)
        response.raise_for_status()
        return response.json()["id"], await self.login(username, USER_PASSWORD)

    async def create_project(self, token: str, name: str) -> str:
        async with self.api(token) as client:
            response = await client.post("/api/v1/projects", json={"name": name})
        response.raise_for_status()
        project_id: str = response.json()["id"]
        return project_id

    async def raise_alert(self, title: str = "sentinel", severity: str = "info") -> dict[str, Any]:
        body = {"title": title, "severity": severity, "message": "", "source": "tests"}
        async with self.api(await self.admin_token()) as client:
            response = await client.post("/api/v1/system/alerts", json=body)
        response.raise_for_status()
        alert: dict[str, Any] = response.json()
        return alert

    async def socket(self, *, path: str = "socket.io", **connect: Any) -> Listener:
        listener = Listener(self.base_url, path=path)
        await listener.connect(**connect)
        self._listeners.append(listener)
        return listener

    async def authenticated_socket(self, token: str, **connect: Any) -> Listener:
        listener = await self.socket(**connect)
        reply = await listener.authenticate(token)
        assert reply[0] == "authenticated", reply
        return listener

    async def close_listeners(self) -> None:
        for listener in self._listeners:
            await asyncio.wait_for(listener.close(), 10)


@asynccontextmanager
async def run_server(settings: Settings, *, port: int = 0) -> AsyncIterator[RunningServer]:
    container, app = build(settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    config = uvicorn.Config(
        app, lifespan="on", log_level="warning", ws_per_message_deflate=settings.ws_compression
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    ready = asyncio.create_task(server.ready.wait())
    await asyncio.wait({task, ready}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
    if not server.ready.is_set():
        ready.cancel()
        await task  # surfaces the start-up error
        raise RuntimeError("server did not start")
    running = RunningServer(f"http://127.0.0.1:{sock.getsockname()[1]}", container, settings)
    try:
        yield running
    finally:
        try:
            await running.close_listeners()
        finally:
            server.should_exit = True
            await asyncio.wait_for(task, 30)
            sock.close()
