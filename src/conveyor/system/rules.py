"""Alert rules: conditions checked after every metrics sample that raise ``system_alert`` by
themselves. One alert stays open per cause (a rule and its subject); when the condition clears
the alert is resolved by itself. Thresholds are settings (``CONVEYOR_ALERT_*``)."""

from __future__ import annotations

import socket
from dataclasses import dataclass

import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.config import Settings
from conveyor.db import Database, new_id, utcnow
from conveyor.events.bus import EventBus
from conveyor.events.schemas import Emission
from conveyor.system import telemetry
from conveyor.system.alerts import alert_event
from conveyor.system.models import Alert
from conveyor.system.schemas import AlertSeverity, AlertStatus, Health, MetricsRead, SystemStatusRead

log = structlog.get_logger(__name__)
SOURCE = "conveyor-rules"
HOST = socket.gethostname()
NODE_RULES = frozenset({"data_disk_full", "component_down"})  # judged by each node for itself
PLATFORM_RULES = frozenset({"queue_backing_up", "worker_lost", "failure_rate_spike"})


@dataclass(frozen=True)
class Finding:
    cause: str  # "rule" or "rule:subject"
    title: str
    severity: AlertSeverity
    message: str


def judged(sample: MetricsRead | None, status: SystemStatusRead | None) -> set[str]:
    """The rules this node could judge now: a source that failed neither raises nor clears."""
    rules = set()
    if sample is not None and sample.host is not None:
        rules.add("data_disk_full")
    if sample is not None and sample.platform is not None:
        rules |= PLATFORM_RULES
    if status is not None:
        rules.add("component_down")
    return rules


def _clears(cause: str, rules: set[str]) -> bool:
    rule = cause.split(":")[0]
    return rule in rules and (rule not in NODE_RULES or cause.endswith(HOST))


def findings(
    settings: Settings, sample: MetricsRead | None, status: SystemStatusRead | None
) -> list[Finding]:
    """Every condition that holds now."""
    found: list[Finding] = []
    if sample is not None and sample.host is not None:
        disk = sample.host.disk_percent
        if disk >= settings.alert_disk_percent:
            found.append(
                Finding(
                    f"data_disk_full:{HOST}",
                    "Data disk almost full",
                    AlertSeverity.CRITICAL if disk >= 98 else AlertSeverity.WARNING,
                    f"{disk:.1f}% of the disk holding the data directory is used "
                    f"(threshold {settings.alert_disk_percent:g}%)",
                )
            )
    if sample is not None and sample.platform is not None:
        found += _platform_findings(settings, sample)
    if status is not None:
        found += [
            Finding(
                f"component_down:{c.name}@{HOST}",
                f"Component down: {c.name}",
                AlertSeverity.CRITICAL,
                c.detail,
            )
            for c in status.components
            if c.status == Health.DOWN
        ]
    return found


def _platform_findings(settings: Settings, sample: MetricsRead) -> list[Finding]:
    platform = sample.platform
    assert platform is not None
    found = []
    if platform.jobs_queued >= settings.alert_queued_jobs:
        found.append(
            Finding(
                "queue_backing_up",
                "Job queue backing up",
                AlertSeverity.WARNING,
                f"{platform.jobs_queued} jobs wait for a runner (threshold {settings.alert_queued_jobs})",
            )
        )
    if platform.jobs_lost:
        found.append(
            Finding(
                "worker_lost",
                "A runner was lost",
                AlertSeverity.WARNING,
                f"{platform.jobs_lost} job(s) failed because their runner stopped heartbeating",
            )
        )
    rate, finished = platform.failure_rate, platform.executions_finished
    if finished >= settings.alert_failure_min_executions and rate >= settings.alert_failure_rate:
        found.append(
            Finding(
                "failure_rate_spike",
                "Failure rate spike",
                AlertSeverity.WARNING,
                f"{rate:.0%} of the last {finished} executions failed "
                f"(threshold {settings.alert_failure_rate:.0%})",
            )
        )
    return found


async def apply(session: AsyncSession, bus: EventBus, found: list[Finding], rules: set[str]) -> list[Alert]:
    """Raise an alert for each new cause, resolve the rule alerts whose cause cleared."""
    unresolved = select(Alert).where(Alert.cause.is_not(None), Alert.status != AlertStatus.RESOLVED.value)
    open_by_cause = {str(a.cause): a for a in (await session.execute(unresolved)).scalars()}
    changed: list[Alert] = []
    for finding in found:
        if finding.cause not in open_by_cause:
            changed.append(_raise(session, finding))
    causes = {f.cause for f in found}
    now = utcnow()
    for cause, alert in open_by_cause.items():
        if cause not in causes and _clears(cause, rules):
            alert.status, alert.resolved_at = AlertStatus.RESOLVED.value, now
            changed.append(alert)
    events: list[Emission] = [alert_event(a) for a in changed]
    await bus.commit(session, *events)
    return changed


def _raise(session: AsyncSession, finding: Finding) -> Alert:
    telemetry.ALERTS_RAISED.labels(telemetry.NODE, finding.cause.split(":")[0]).inc()
    alert = Alert(
        id=new_id(),
        title=finding.title,
        severity=finding.severity.value,
        message=finding.message,
        source=SOURCE,
        cause=finding.cause,
        status=AlertStatus.OPEN.value,
        created_at=utcnow(),
    )
    session.add(alert)
    return alert


async def hold_alert(session: AsyncSession, cause: str, finding: Finding | None) -> list[Emission]:
    """Keep the one alert of ``cause`` in line with a condition its owner judges (not a metrics
    rule): raised while ``finding`` holds (its stored text brought up to date without an event),
    resolved when it is None.
    Returns the events for the caller's ``bus.commit``; written in the caller's transaction."""
    unresolved = select(Alert).where(Alert.cause == cause, Alert.status != AlertStatus.RESOLVED.value)
    alert = (await session.execute(unresolved)).scalars().first()
    if finding is None:
        if alert is None:
            return []
        alert.status, alert.resolved_at = AlertStatus.RESOLVED.value, utcnow()
        return [alert_event(alert)]
    if alert is None:
        try:
            async with session.begin_nested():  # another node may raise the same cause at once
                alert = _raise(session, finding)
        except IntegrityError:
            return []
        return [alert_event(alert)]
    # Still open: its text follows the condition quietly (an event would tell the admins again).
    alert.title, alert.message, alert.severity = finding.title, finding.message, finding.severity.value
    return []


class AlertRules:
    def __init__(self, *, db: Database, bus: EventBus, settings: Settings) -> None:
        self.db, self.bus, self.settings = db, bus, settings

    async def evaluate(self, sample: MetricsRead | None, status: SystemStatusRead | None) -> list[Alert]:
        found = findings(self.settings, sample, status)
        try:
            async with self.db.write_session() as session:
                return await apply(session, self.bus, found, judged(sample, status))
        except IntegrityError:
            log.info("another node raised the same alert first")
            return []
