"""Host and platform figures, sampled every ``CONVEYOR_METRICS_INTERVAL_SECONDS`` on each node.

Each source is read on its own: one that fails leaves its part of the sample empty, names
itself in ``errors`` (the status page shows the ``metrics`` component unhealthy) and the loop
goes on.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import psutil
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.aio import Periodic
from conveyor.config import Settings
from conveyor.db import Database, utcnow
from conveyor.events.bus import EventBus
from conveyor.events.catalog import EventType, SystemMetricsData
from conveyor.events.models import EventRecord
from conveyor.events.schemas import emission
from conveyor.system import telemetry
from conveyor.system.schemas import HostMetrics, MetricsRead, PlatformMetrics

WINDOW_SECONDS = 300.0


@dataclass(frozen=True)
class JobFigures:
    """What the executions domain reports over a window (it sits above ``system``)."""

    queued: int
    running: int
    finished: int
    failed: int
    lost: int  # jobs ended because their runner stopped heartbeating
    step_seconds: list[float]


JobSource = Callable[[AsyncSession, datetime], Awaitable[JobFigures]]


def host_metrics(data_dir: Path) -> HostMetrics:
    memory = psutil.virtual_memory()
    disk = psutil.disk_usage(str(data_dir))
    return HostMetrics(
        cpu_percent=psutil.cpu_percent(interval=None),
        memory_percent=memory.percent,
        memory_used_bytes=memory.used,
        disk_percent=disk.percent,
        disk_free_bytes=disk.free,
    )


def percentile(values: list[float], q: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


async def event_figures(session: AsyncSession, since: datetime) -> tuple[int, int]:
    """(events since ``since``, events in the log)."""
    recent = select(func.count()).select_from(EventRecord).where(EventRecord.timestamp >= since)
    total = select(func.count()).select_from(EventRecord)
    return (await session.scalar(recent)) or 0, (await session.scalar(total)) or 0


class MetricsSampler:
    def __init__(
        self,
        *,
        db: Database,
        bus: EventBus,
        settings: Settings,
        jobs: JobSource,
        sockets: Callable[[], int],
        after: Callable[[MetricsRead], Awaitable[object]] | None = None,
    ) -> None:
        """``after`` runs on each sample (the alert rules)."""
        self.db, self.bus, self.settings, self.after = db, bus, settings, after
        self.jobs, self.sockets = jobs, sockets
        self.history: deque[MetricsRead] = deque(maxlen=settings.metrics_history)
        self._one_at_a_time = asyncio.Lock()  # samples join the history in the order they start
        self.loop = Periodic("conveyor-metrics", self.tick, interval=settings.metrics_interval_seconds)

    def start(self) -> None:
        psutil.cpu_percent(interval=None)  # the first reading only starts psutil's CPU window
        self.loop.start()

    async def stop(self) -> None:
        await self.loop.stop()

    @property
    def latest(self) -> MetricsRead | None:
        return self.history[-1] if self.history else None

    async def tick(self) -> MetricsRead:
        """Sample, keep it for the charts, update the Prometheus gauges, push it to clients."""
        async with self._one_at_a_time:
            started = time.perf_counter()
            sample = await self.sample()
            self.history.append(sample)
            telemetry.record_sample(sample)
            telemetry.TICK_SECONDS.labels(telemetry.NODE).observe(time.perf_counter() - started)
            async with self.db.write_session() as session:
                data = SystemMetricsData(metrics=sample)
                await self.bus.commit(session, emission(EventType.SYSTEM_METRICS_UPDATE, data))
            if self.after is not None:
                await self.after(sample)
            return sample

    async def sample(self) -> MetricsRead:
        errors: dict[str, str] = {}
        host = platform = None
        try:
            host = await asyncio.to_thread(host_metrics, self.settings.data_dir)
        except Exception as exc:
            errors["host"] = _reason(exc)
        try:
            platform = await self._platform()
        except Exception as exc:
            errors["platform"] = _reason(exc)
        return MetricsRead(
            node=telemetry.NODE,
            at=utcnow(),
            window_seconds=WINDOW_SECONDS,
            host=host,
            platform=platform,
            errors=errors,
        )

    async def _platform(self) -> PlatformMetrics:
        since = utcnow() - timedelta(seconds=WINDOW_SECONDS)
        async with self.db.session() as session:
            jobs = await self.jobs(session, since)
            recent_events, log_size = await event_figures(session, since)
        return PlatformMetrics(
            jobs_queued=jobs.queued,
            jobs_running=jobs.running,
            jobs_lost=jobs.lost,
            executions_finished=jobs.finished,
            executions_per_minute=jobs.finished * 60 / WINDOW_SECONDS,
            failure_rate=jobs.failed / jobs.finished if jobs.finished else 0.0,
            step_duration_p50_seconds=percentile(jobs.step_seconds, 50),
            step_duration_p95_seconds=percentile(jobs.step_seconds, 95),
            connected_sockets=self.sockets(),
            events_per_second=recent_events / WINDOW_SECONDS,
            event_log_size=log_size,
        )


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]
