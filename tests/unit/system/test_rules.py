from __future__ import annotations

from conveyor.config import Settings
from conveyor.db import utcnow
from conveyor.system.rules import HOST, findings, judged
from conveyor.system.schemas import (
    AlertSeverity,
    ComponentRead,
    Health,
    HostMetrics,
    MetricsRead,
    PlatformMetrics,
    SystemStatusRead,
)

SETTINGS = Settings(alert_queued_jobs=10, alert_failure_rate=0.5, alert_failure_min_executions=4)
HOST_FIGURES = HostMetrics(
    cpu_percent=5, memory_percent=40, memory_used_bytes=1, disk_percent=50, disk_free_bytes=1
)


def platform(**changes: object) -> PlatformMetrics:
    values: dict[str, object] = {
        "jobs_queued": 0,
        "jobs_running": 0,
        "jobs_lost": 0,
        "executions_finished": 0,
        "executions_per_minute": 0.0,
        "failure_rate": 0.0,
        "step_duration_p50_seconds": None,
        "step_duration_p95_seconds": None,
        "connected_sockets": 0,
        "events_per_second": 0.0,
        "event_log_size": 0,
    }
    return PlatformMetrics.model_validate(values | changes)


def sample(host: HostMetrics | None = HOST_FIGURES, figures: PlatformMetrics | None = None) -> MetricsRead:
    return MetricsRead(node="n", at=utcnow(), window_seconds=300, host=host, platform=figures, errors={})


def causes(**changes: object) -> set[str]:
    return {f.cause for f in findings(SETTINGS, sample(figures=platform(**changes)), None)}


def test_quiet_platform_raises_nothing() -> None:
    assert causes() == set()


def test_each_platform_rule_at_its_threshold() -> None:
    assert causes(jobs_queued=9) == set() and causes(jobs_queued=10) == {"queue_backing_up"}
    assert causes(jobs_lost=1) == {"worker_lost"}
    assert causes(executions_finished=4, failure_rate=0.5) == {"failure_rate_spike"}
    assert causes(executions_finished=3, failure_rate=1.0) == set()  # too few to call it a spike
    assert causes(executions_finished=10, failure_rate=0.4) == set()


def test_disk_rule_severity_grows_with_use() -> None:
    full = HOST_FIGURES.model_copy(update={"disk_percent": 99.0})
    almost = HOST_FIGURES.model_copy(update={"disk_percent": 91.0})
    [critical] = findings(SETTINGS, sample(full), None)
    [warning] = findings(SETTINGS, sample(almost), None)
    assert critical.cause == warning.cause == f"data_disk_full:{HOST}"
    assert (critical.severity, warning.severity) == (AlertSeverity.CRITICAL, AlertSeverity.WARNING)


def test_a_component_down_is_critical_and_names_this_node() -> None:
    now = utcnow()
    components = [
        ComponentRead(name="redis", status=Health.DOWN, detail="refused", checked_at=now),
        ComponentRead(name="runners", status=Health.DEGRADED, detail="slow", checked_at=now),
    ]
    status = SystemStatusRead(
        status=Health.DEGRADED, version="1", node="n", uptime_seconds=1, components=components
    )
    [finding] = findings(SETTINGS, None, status)
    assert finding.cause == f"component_down:redis@{HOST}" and finding.severity == AlertSeverity.CRITICAL


def test_a_failed_source_judges_none_of_its_rules() -> None:
    assert judged(sample(host=None, figures=None), None) == set()
    assert judged(sample(figures=platform()), None) == {
        "data_disk_full",
        "queue_backing_up",
        "worker_lost",
        "failure_rate_spike",
    }
