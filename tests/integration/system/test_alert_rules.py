from __future__ import annotations

from typing import Any

from conveyor.system.rules import HOST
from conveyor.system.status import Check
from tests.support.pipelines import PipelineApi, completed
from tests.support.server import RunningServer


async def _alerts(server: RunningServer, **params: Any) -> list[dict[str, Any]]:
    async with server.api(await server.admin_token()) as client:
        response = await client.get("/api/v1/system/alerts", params=params)
    alerts: list[dict[str, Any]] = response.json()
    return alerts


async def _down_alerts(server: RunningServer) -> list[dict[str, Any]]:
    """Open alerts about components (a nearly full disk on the test machine may add its own)."""
    return [a for a in await _alerts(server, status="open") if a["cause"].startswith("component_down")]


async def test_a_component_down_raises_one_alert_that_resolves_itself(server: RunningServer) -> None:
    listener = await server.authenticated_socket(await server.admin_token())
    system = server.container.system
    healthy = system.status.checks["runners"]

    async def broken() -> Check:
        raise ConnectionError("no worker answers")

    system.status.checks["runners"] = broken
    await system.status.tick()
    await system.metrics.tick()
    await system.metrics.tick()  # still down: no second alert
    _, raised = await listener.next(
        lambda item: item[0] == "system_alert" and item[1]["data"]["alert"]["status"] == "open"
    )
    alert = raised["data"]["alert"]
    assert alert["cause"] == f"component_down:runners@{HOST}" and raised["priority"] == "HIGH"
    assert "no worker answers" in alert["message"] and alert["severity"] == "critical"
    assert [a["alertId"] for a in await _down_alerts(server)] == [alert["alertId"]]

    system.status.checks["runners"] = healthy
    await system.status.tick()
    await system.metrics.tick()
    _, resolved = await listener.next(
        lambda item: item[0] == "system_alert" and item[1]["data"]["alert"]["status"] == "resolved"
    )
    assert resolved["data"]["alertId"] == alert["alertId"] and resolved["priority"] == "LOW"
    assert await _down_alerts(server) == []


async def test_failure_rate_spike_stays_open_while_its_source_fails(server_with: Any, settings: Any) -> None:
    async with server_with(alert_failure_min_executions=1, metrics_interval_seconds=3600) as server:
        api = PipelineApi(server, await server.admin_token())
        listener = await server.authenticated_socket(api.token)
        pipeline = await api.pipeline(
            await api.project("spike"), "jobs:\n  a:\n    steps: [{run: 'false'}]\n"
        )
        await completed(listener, await api.start(pipeline["id"]))
        sampler = server.container.system.metrics
        await sampler.tick()
        [alert] = await _alerts(server, status="open")
        assert alert["cause"] == "failure_rate_spike" and "100%" in alert["message"]

        async def broken(*_: object) -> Any:
            raise RuntimeError("stats unavailable")

        sampler.jobs = broken
        await sampler.tick()
        assert [a["alertId"] for a in await _alerts(server, status="open")] == [alert["alertId"]]
        await server.close_listeners()


async def test_a_rule_alert_can_be_resolved_by_hand(server_with: Any) -> None:
    async with server_with(alert_disk_percent=0.01, metrics_interval_seconds=3600) as server:
        await server.container.system.metrics.tick()
        [alert] = await _alerts(server, status="open")
        assert alert["cause"] == f"data_disk_full:{HOST}" and alert["source"] == "conveyor-rules"
        async with server.api(await server.admin_token()) as client:
            response = await client.patch(
                f"/api/v1/system/alerts/{alert['alertId']}", json={"status": "resolved"}
            )
        assert response.json()["status"] == "resolved"
