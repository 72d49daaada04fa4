from __future__ import annotations

from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from conveyor.db import Database
from conveyor.system.schemas import Health
from conveyor.system.status import Check, readiness
from conveyor.system.telemetry import NODE
from tests.support.pipelines import PipelineApi, completed
from tests.support.server import RunningServer

COMPONENTS = {"database", "runners", "scheduler", "event fan-out", "metrics", "advisory database"}


async def _get(server: RunningServer, path: str) -> Any:
    async with server.api(await server.admin_token()) as client:
        response = await client.get(path)
    assert response.status_code == 200, response.text
    return response.json()


async def test_status_names_each_component_and_the_version(server: RunningServer) -> None:
    status = await _get(server, "/api/v1/system/status")
    assert status["status"] == "ok" and status["version"] and status["uptimeSeconds"] >= 0
    by_name = {c["name"]: c for c in status["components"]}
    assert set(by_name) == COMPONENTS
    assert by_name["database"]["status"] == "ok" and by_name["database"]["checkedAt"]
    assert "0 of 4 slots" in by_name["runners"]["detail"]
    assert by_name["advisory database"]["status"] == "unknown"


async def test_status_needs_a_login(server: RunningServer) -> None:
    async with server.api() as client:
        assert (await client.get("/api/v1/system/status")).status_code == 401
        assert (await client.get("/api/v1/system/metrics")).status_code == 401


async def test_a_component_change_is_announced_with_its_priority(server: RunningServer) -> None:
    listener = await server.authenticated_socket(await server.admin_token())
    monitor = server.container.system.status
    await monitor.tick()

    async def broken() -> Check:
        raise ConnectionError("worker pool unreachable")

    monitor.checks["runners"] = broken
    await monitor.tick()
    _, envelope = await listener.next(
        lambda item: item[0] == "system_status_update" and item[1]["data"]["status"]["status"] != "ok"
    )
    runners = next(c for c in envelope["data"]["status"]["components"] if c["name"] == "runners")
    assert envelope["priority"] == "MEDIUM" and envelope["data"]["status"]["status"] == "degraded"
    assert runners["status"] == "down" and "worker pool unreachable" in runners["detail"]
    seqs = [e["seq"] for e in (await _get(server, "/api/v1/events?eventType=system_status_update"))["events"]]
    await monitor.tick()  # unchanged and before the heartbeat: not announced again
    again = (await _get(server, "/api/v1/events?eventType=system_status_update"))["events"]
    assert [e["seq"] for e in again] == seqs


async def test_probes(server: RunningServer, tmp_path: Path) -> None:
    async with server.api() as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ok"
    empty = Database(f"sqlite+aiosqlite:///{tmp_path}/empty.db")
    try:
        check = await readiness(empty)
    finally:
        await empty.dispose()
    assert check.status == Health.DOWN and "migrations not applied" in check.detail


async def test_metrics_sample_counts_a_run_and_is_pushed(server: RunningServer, api: PipelineApi) -> None:
    listener = await server.authenticated_socket(api.token)
    pipeline = await api.pipeline(
        await api.project("metrics"),
        "jobs:\n  a:\n    steps: [{run: 'true'}]\n  b:\n    steps: [{run: 'false'}]\n",
    )
    await completed(listener, await api.start(pipeline["id"]))
    sample = await server.container.system.metrics.tick()
    _, pushed = await listener.next(
        lambda item: (
            item[0] == "system_metrics_update" and item[1]["data"]["metrics"]["at"] == sample.wire()["at"]
        )
    )
    metrics = pushed["data"]["metrics"]
    assert pushed["priority"] == "LOW" and metrics["errors"] == {} and metrics["node"] == NODE
    platform = metrics["platform"]
    assert platform["failureRate"] == 1.0 and platform["executionsPerMinute"] > 0
    assert platform["stepDurationP50Seconds"] is not None and platform["connectedSockets"] >= 1
    assert platform["eventLogSize"] > 0 and platform["jobsRunning"] == 0
    assert 0 <= metrics["host"]["diskPercent"] <= 100 and metrics["host"]["memoryUsedBytes"] > 0
    history = await _get(server, "/api/v1/system/metrics")
    assert history["current"] == metrics and history["history"][-1] == metrics


async def test_a_failing_source_marks_metrics_unhealthy_and_the_loop_goes_on(server: RunningServer) -> None:
    sampler = server.container.system.metrics

    async def broken(*_: object) -> Any:
        raise RuntimeError("stats query failed")

    sampler.jobs = broken
    sample = await sampler.tick()
    assert sample.platform is None and sample.host is not None
    assert "stats query failed" in sample.errors["platform"]
    status = await server.container.system.status.current()
    metrics = next(c for c in status.components if c.name == "metrics")
    assert status.status == Health.DEGRADED and metrics.status == Health.DEGRADED


async def test_metrics_are_pushed_every_interval(server_with: Any) -> None:
    async with server_with(metrics_interval_seconds=0.2) as server:
        listener = await server.authenticated_socket(await server.admin_token())
        first = await listener.next_of("system_metrics_update")
        second = await listener.next(
            lambda item: item[0] == "system_metrics_update" and item[1]["seq"] > first[1]["seq"]
        )
        assert second[1]["data"]["metrics"]["at"] > first[1]["data"]["metrics"]["at"]
        await server.close_listeners()


async def test_prometheus_scrape_parses_with_counters_and_histograms(
    server: RunningServer, api: PipelineApi
) -> None:
    listener = await server.authenticated_socket(api.token)
    pipeline = await api.pipeline(await api.project("scrape"), "jobs:\n  a:\n    steps: [{run: 'true'}]\n")
    await completed(listener, await api.start(pipeline["id"]))
    await server.container.system.metrics.tick()
    async with server.api() as client:
        response = await client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    assert families["conveyor_events"].type == "counter"
    assert families["conveyor_step_duration_seconds"].type == "histogram"
    mine = [s for s in families["conveyor_executions_finished"].samples if s.labels["node"] == NODE]
    assert any(s.labels["status"] == "success" and s.value >= 1 for s in mine)
    steps = [s for s in families["conveyor_step_duration_seconds"].samples if s.name.endswith("_count")]
    assert steps and steps[0].value >= 1
    queued = [s for s in families["conveyor_jobs_queued"].samples if s.labels["node"] == NODE]
    assert families["conveyor_jobs_queued"].type == "gauge" and queued[0].value == 0
