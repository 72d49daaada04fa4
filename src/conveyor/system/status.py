"""The health of this node's parts: checked every ``CONVEYOR_STATUS_INTERVAL_SECONDS``, announced
(``system_status_update``) when a component's status changes, and again on a slow heartbeat."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import structlog
from sqlalchemy import Connection, text

from conveyor import __version__
from conveyor.aio import Periodic
from conveyor.config import Settings
from conveyor.db import Database, alembic_config, utcnow
from conveyor.events.bus import EventBus
from conveyor.events.catalog import EventType, SystemStatusData
from conveyor.events.schemas import emission
from conveyor.system import telemetry
from conveyor.system.schemas import ComponentRead, Health, SystemStatusRead

log = structlog.get_logger(__name__)
CHECK_TIMEOUT_SECONDS = 5.0
ADVISORY_MAX_AGE_DAYS = 7


@dataclass(frozen=True)
class Check:
    status: Health
    detail: str


CheckFn = Callable[[], Awaitable[Check]]


def loop_health(loop: Periodic, *, what: str) -> Check:
    """A background loop is healthy while it keeps completing runs at its interval."""
    if loop.last_success is None:
        return Check(Health.OK, f"{what} started, no run finished yet")
    late = time.monotonic() - loop.last_success
    if late > 3 * loop.interval + CHECK_TIMEOUT_SECONDS:
        return Check(Health.DEGRADED, f"{what}: last successful run {late:.0f}s ago")
    return Check(Health.OK, f"{what}: last run {late:.0f}s ago")


async def check_database(db: Database) -> Check:
    started = time.perf_counter()
    async with db.session() as session:
        await session.execute(text("SELECT 1"))
    return Check(Health.OK, f"reachable in {(time.perf_counter() - started) * 1000:.1f} ms")


async def check_redis(url: str) -> Check:
    from redis.asyncio import Redis  # only loaded when Redis is configured

    client = Redis.from_url(url)
    try:
        started = time.perf_counter()
        await client.ping()
        return Check(Health.OK, f"ping {(time.perf_counter() - started) * 1000:.1f} ms")
    finally:
        await client.aclose()


def pending_migrations(connection: Connection) -> set[str]:
    from alembic.runtime.migration import MigrationContext  # Alembic only when asked: runners import this
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    return heads - set(MigrationContext.configure(connection).get_current_heads())


async def readiness(db: Database) -> Check:
    """Ready = the database answers and its schema is at the latest migration."""
    try:
        async with db.engine.connect() as connection:
            missing = await connection.run_sync(pending_migrations)
    except Exception as exc:
        return Check(Health.DOWN, f"database unreachable: {type(exc).__name__}")
    if missing:
        return Check(Health.DOWN, f"migrations not applied: {', '.join(sorted(missing))}")
    return Check(Health.OK, "database reachable, migrations applied")


def overall(components: list[ComponentRead]) -> Health:
    by_name = {c.name: c.status for c in components}
    if by_name.get("database") == Health.DOWN:
        return Health.DOWN
    if any(c.status in (Health.DOWN, Health.DEGRADED) for c in components):
        return Health.DEGRADED
    return Health.OK


class StatusMonitor:
    def __init__(self, *, db: Database, bus: EventBus, settings: Settings, checks: Mapping[str, CheckFn]):
        self.db, self.bus, self.checks = db, bus, dict(checks)
        self.started = time.monotonic()
        self.heartbeat = settings.status_heartbeat_seconds
        self.last: SystemStatusRead | None = None
        self._compared: SystemStatusRead | None = None  # what the last tick saw (GETs don't count)
        self._announced_at = 0.0
        self._one_at_a_time = asyncio.Lock()
        self.loop = Periodic("conveyor-status", self.tick, interval=settings.status_interval_seconds)

    def start(self) -> None:
        self.loop.start()

    async def stop(self) -> None:
        await self.loop.stop()

    async def current(self) -> SystemStatusRead:
        names = list(self.checks)
        results = await asyncio.gather(*(self._run(name) for name in names))
        components = list(results)
        self.last = SystemStatusRead(
            status=overall(components),
            version=__version__,
            node=telemetry.NODE,
            uptime_seconds=round(time.monotonic() - self.started, 1),
            components=components,
        )
        return self.last

    async def _run(self, name: str) -> ComponentRead:
        try:
            check = await asyncio.wait_for(self.checks[name](), CHECK_TIMEOUT_SECONDS)
        except TimeoutError:
            check = Check(Health.DOWN, f"no answer within {CHECK_TIMEOUT_SECONDS:g}s")
        except Exception as exc:
            check = Check(Health.DOWN, f"{type(exc).__name__}: {exc}"[:300])
        return ComponentRead(name=name, status=check.status, detail=check.detail, checked_at=utcnow())

    async def tick(self) -> SystemStatusRead:
        async with self._one_at_a_time:
            previous = self._compared
            status = self._compared = await self.current()
            changed = previous is None or _states(previous) != _states(status)
            if changed or time.monotonic() - self._announced_at >= self.heartbeat:
                await self.announce(status)
            return status

    async def announce(self, status: SystemStatusRead) -> None:
        self._announced_at = time.monotonic()
        async with self.db.write_session() as session:
            data = SystemStatusData(status=status)
            await self.bus.commit(session, emission(EventType.SYSTEM_STATUS_UPDATE, data))


def _states(status: SystemStatusRead) -> dict[str, Health]:
    return {c.name: c.status for c in status.components}
