"""Builds the ASGI application: FastAPI (REST) + python-socketio (live events)."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from conveyor import __version__
from conveyor.api.flat import include_flat
from conveyor.api.headers import SecurityHeaders
from conveyor.api.limits import BodyLimitMiddleware
from conveyor.api.router import API_PREFIX, api_router
from conveyor.auth import service as auth_service
from conveyor.config import Settings
from conveyor.container import Container
from conveyor.errors import ConveyorError, TooManyRequests, Unauthorized
from conveyor.events.realtime.server import mount
from conveyor.system.routes import probes_router
from conveyor.web.static import mount_dashboard

log = structlog.get_logger(__name__)


def _rest_api() -> FastAPI:
    api = FastAPI(
        title="Conveyor",
        version=__version__,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=_lifespan,
    )
    include_flat(api.router, api_router)
    return api


def openapi_document() -> dict[str, Any]:
    """What ``/api/v1/openapi.json`` serves, without a node behind it (for generators)."""
    return _rest_api().openapi()


def create_api(container: Container, *, freeze_heap: bool = False) -> FastAPI:
    api = _rest_api()
    api.state.container = container
    api.state.freeze_heap = freeze_heap
    api.add_exception_handler(ConveyorError, _conveyor_error)  # type: ignore[arg-type]
    api.add_middleware(BodyLimitMiddleware)
    include_flat(api.router, probes_router)
    mount_dashboard(api)
    return api


def create_app(settings: Settings | None = None) -> Any:
    """The ASGI app served by ``conveyor serve`` (the only one in its process: see ``_freeze``)."""
    return build(settings or Settings(), freeze_heap=True)[1]


def build(settings: Settings, *, freeze_heap: bool = False) -> tuple[Container, Any]:
    """The node's container and its ASGI app (REST + Socket.IO on both paths)."""
    container = Container.build(settings)
    app = mount(container.sio, create_api(container, freeze_heap=freeze_heap), container.websockets)
    return container, SecurityHeaders(app, docs_path=f"{API_PREFIX}/docs")


@asynccontextmanager
async def _lifespan(api: FastAPI) -> AsyncIterator[None]:
    container: Container = api.state.container
    await start(container)
    if api.state.freeze_heap:
        _freeze()
    try:
        yield
    finally:
        await container.debugger.stop()
        await container.dispatcher.stop()
        await container.system.stop()
        await container.retention.stop()
        await container.scans.stop()
        await container.pipelines.stop()
        await container.websockets.stop()
        await container.hub.stop()
        await container.logins.close()
        await container.db.dispose()


async def start(container: Container) -> None:
    """Migrate the database, make sure an admin exists, start live delivery, runners and pruning."""
    await container.db.migrate(secrets_key=container.settings.resolved_secrets_key)
    async with container.db.write_session() as session:
        generated = await auth_service.bootstrap_admin(
            session=session, password=container.settings.admin_password
        )
    if generated:
        # Printed once, on the console of whoever started the server; never logged elsewhere.
        print(f"Created admin user 'admin' with password: {generated}", flush=True)
    await container.hub.start()
    container.websockets.start()
    await container.pipelines.start()
    container.retention.start()
    container.system.start()
    container.dispatcher.start()
    container.debugger.start()
    await container.scans.start()


def _freeze() -> None:
    """Exempt what startup built (modules, models, routes, migrations: ~270,000 objects that live
    as long as the process) from garbage collection. Every full collection walked them all, about
    150 ms of CPU in one go, every few seconds under a busy event stream, and every socket's
    deliveries waited that long (bench/results/ws_fanout.md: the p99 of 341 ms at 1,000 clients).

    Young collections every 10,000 container allocations instead of 700: a fan-out allocates
    about one per socket, and each young collection promoted what in-flight requests held, so
    full collections (over every connection's objects: ~80 ms at 1,000 sockets) still came every
    few seconds; with 10,000, none in a 1,000 x 50/s run."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


async def _conveyor_error(_: Request, exc: ConveyorError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
    if isinstance(exc, TooManyRequests):
        headers = {"Retry-After": str(exc.retry_after)}
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)
