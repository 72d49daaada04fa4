"""Prometheus instruments of this process, served at ``/metrics``.

Every series carries a ``node`` label (host:pid), so several server processes behind one
scrape target stay apart instead of overwriting each other. Counters and histograms are fed by
the events this node receives (every node receives every event, whichever process produced it);
the gauges are set from each metrics sample.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest

from conveyor.system.schemas import MetricsRead

NODE = f"{socket.gethostname()}:{os.getpid()}"
PROMETHEUS_CONTENT_TYPE = CONTENT_TYPE_LATEST
_DURATION_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)

EVENTS = Counter("conveyor_events", "Events this node received, by type", ["node", "event_type"])
EXECUTIONS = Counter("conveyor_executions_finished", "Executions that ended, by status", ["node", "status"])
STEP_SECONDS = Histogram(
    "conveyor_step_duration_seconds", "Duration of finished steps", ["node"], buckets=_DURATION_BUCKETS
)
TICK_SECONDS = Histogram(
    "conveyor_metrics_tick_seconds",
    "Time one metrics sample takes",
    ["node"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
ALERTS_RAISED = Counter("conveyor_alerts_raised", "Alerts raised by rules, by rule", ["node", "rule"])
_GAUGES = {
    name: Gauge(f"conveyor_{name}", help_text, ["node"])
    for name, help_text in {
        "jobs_queued": "Jobs waiting for a runner",
        "jobs_running": "Jobs running",
        "connected_sockets": "Live sockets connected to this node",
        "event_log_size": "Events kept in the event log",
        "host_cpu_percent": "CPU use of the host",
        "host_memory_percent": "Memory use of the host",
        "data_disk_percent": "Use of the disk holding the data directory",
    }.items()
}


def observe_event(envelope: dict[str, Any]) -> None:
    """Count one live event; an execution's end also records its status and step durations."""
    event_type = str(envelope.get("event_type", "unknown"))
    EVENTS.labels(NODE, event_type).inc()
    if event_type != "pipeline_execution_completed":
        return
    execution = envelope.get("data", {}).get("execution", {})
    EXECUTIONS.labels(NODE, str(execution.get("status", "unknown"))).inc()
    for job in execution.get("jobs", []):
        for step in job.get("steps", []):
            seconds = _duration(step.get("startedAt"), step.get("finishedAt"))
            if seconds is not None:
                STEP_SECONDS.labels(NODE).observe(seconds)


def _duration(started: object, finished: object) -> float | None:
    if not isinstance(started, str) or not isinstance(finished, str):
        return None
    try:
        seconds = (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def record_sample(sample: MetricsRead) -> None:
    values: dict[str, float | None] = {}
    if sample.platform is not None:
        platform = sample.platform
        values |= {
            "jobs_queued": platform.jobs_queued,
            "jobs_running": platform.jobs_running,
            "connected_sockets": platform.connected_sockets,
            "event_log_size": platform.event_log_size,
        }
    if sample.host is not None:
        host = sample.host
        values |= {
            "host_cpu_percent": host.cpu_percent,
            "host_memory_percent": host.memory_percent,
            "data_disk_percent": host.disk_percent,
        }
    for name, value in values.items():
        if value is not None:
            _GAUGES[name].labels(NODE).set(value)


def exposition() -> bytes:
    return generate_latest(REGISTRY)
