"""This node's system monitoring: the status checks and the metrics sampler, started together."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from conveyor.config import Settings
from conveyor.db import Database
from conveyor.events.bus import EventBus
from conveyor.system.metrics import JobSource, MetricsSampler
from conveyor.system.rules import AlertRules
from conveyor.system.schemas import Health, MetricsRead
from conveyor.system.status import Check, CheckFn, StatusMonitor, check_database, check_redis

FANOUT_GRACE_SECONDS = 60.0


class SystemMonitor:
    def __init__(
        self,
        *,
        db: Database,
        bus: EventBus,
        settings: Settings,
        jobs: JobSource,
        sockets: Callable[[], int],
        checks: Mapping[str, CheckFn],
    ) -> None:
        """``checks``: the components owned by layers above (runners, scheduler, advisories)."""
        self.bus = bus
        self.rules = AlertRules(db=db, bus=bus, settings=settings)
        self.metrics = MetricsSampler(
            db=db, bus=bus, settings=settings, jobs=jobs, sockets=sockets, after=self.apply_rules
        )
        own: dict[str, CheckFn] = {"database": lambda: check_database(db)}
        if settings.redis_url:
            url = settings.redis_url
            own["redis"] = lambda: check_redis(url)
        own |= dict(checks)
        own |= {"event fan-out": self.check_fanout, "metrics": self.check_metrics}
        self.status = StatusMonitor(db=db, bus=bus, settings=settings, checks=own)

    def start(self) -> None:
        self.metrics.start()
        self.status.start()

    async def stop(self) -> None:
        await self.status.stop()
        await self.metrics.stop()

    async def apply_rules(self, sample: MetricsRead) -> None:
        await self.rules.evaluate(sample, self.status.last)

    async def check_fanout(self) -> Check:
        failed = self.bus.last_failure
        if failed is not None and time.monotonic() - failed < FANOUT_GRACE_SECONDS:
            return Check(Health.DEGRADED, f"a publish failed {time.monotonic() - failed:.0f}s ago")
        return Check(Health.OK, "publishing")

    async def check_metrics(self) -> Check:
        latest = self.metrics.latest
        if latest is None:
            return Check(Health.OK, "no sample yet")
        if latest.errors:
            failing = "; ".join(f"{name}: {why}" for name, why in latest.errors.items())
            return Check(Health.DEGRADED, f"sources failing: {failing}")
        return Check(Health.OK, f"last sample at {latest.at.isoformat()}")
