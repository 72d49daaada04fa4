from __future__ import annotations

import pytest

from tests.support.server import RunningServer

ALERT = {"title": "Disk almost full", "severity": "warning", "message": "92% used", "source": "node-exporter"}
RULES_SOURCE = "conveyor-rules"  # the server's own health rules may raise alerts on a loaded machine


def raised_by_hand(alerts: list[dict[str, object]]) -> list[dict[str, object]]:
    return [a for a in alerts if a["source"] != RULES_SOURCE]


@pytest.mark.parametrize(
    ("severity", "priority"), [("critical", "HIGH"), ("warning", "MEDIUM"), ("info", "LOW")]
)
async def test_alert_is_persisted_and_pushed_with_priority_from_severity(
    server: RunningServer, severity: str, priority: str
) -> None:
    listener = await server.authenticated_socket(await server.admin_token())
    async with server.api(await server.admin_token()) as client:
        response = await client.post("/api/v1/system/alerts", json={**ALERT, "severity": severity})
        listed = raised_by_hand((await client.get("/api/v1/system/alerts")).json())
    created = response.json()
    assert response.status_code == 201 and created["status"] == "open"
    assert [a["alertId"] for a in listed] == [created["alertId"]]
    _, envelope = await listener.next_of("system_alert")
    assert envelope["category"] == "SYSTEM" and envelope["priority"] == priority
    assert envelope["data"] == {"alertId": created["alertId"], "alert": created}


async def test_every_authenticated_client_receives_alerts(server: RunningServer) -> None:
    _, alice = await server.create_user("alice")
    listener = await server.authenticated_socket(alice)
    alert = await server.raise_alert("for everyone")
    _, envelope = await listener.next_of("system_alert")
    assert envelope["data"]["alertId"] == alert["alertId"]


async def test_only_admins_or_alert_tokens_raise_alerts(server: RunningServer) -> None:
    _, alice = await server.create_user("alice")
    async with server.api(alice) as client:
        refused = await client.post("/api/v1/system/alerts", json=ALERT)
        plain_token = (await client.post("/api/v1/auth/tokens", json={"name": "t"})).json()["token"]
    async with server.api(plain_token) as client:
        refused_token = await client.post("/api/v1/system/alerts", json=ALERT)
    async with server.api(await server.admin_token()) as client:
        body = {"name": "monitoring", "scopes": ["alerts:write"]}
        alert_token = (await client.post("/api/v1/auth/tokens", json=body)).json()["token"]
    async with server.api(alert_token) as client:
        accepted = await client.post("/api/v1/system/alerts", json=ALERT)
    assert refused.status_code == refused_token.status_code == 403
    assert accepted.status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {**ALERT, "severity": "apocalyptic"},
        {k: v for k, v in ALERT.items() if k != "title"},
        {**ALERT, "title": ""},
        {**ALERT, "unexpected": True},
    ],
)
async def test_bad_alerts_are_refused_and_nothing_is_stored(
    server: RunningServer, body: dict[str, object]
) -> None:
    async with server.api(await server.admin_token()) as client:
        response = await client.post("/api/v1/system/alerts", json=body)
        listed = raised_by_hand((await client.get("/api/v1/system/alerts")).json())
        events = (await client.get("/api/v1/events", params={"eventType": "system_alert"})).json()
    alerts_pushed = raised_by_hand([e["data"]["alert"] for e in events["events"]])
    assert response.status_code == 422 and response.json()["detail"]
    assert listed == [] and alerts_pushed == []


async def test_acknowledge_then_resolve(server: RunningServer) -> None:
    listener = await server.authenticated_socket(await server.admin_token())
    alert = await server.raise_alert("flaky runner", "critical")
    async with server.api(await server.admin_token()) as client:
        acked = await client.patch(
            f"/api/v1/system/alerts/{alert['alertId']}", json={"status": "acknowledged"}
        )
        resolved = await client.patch(
            f"/api/v1/system/alerts/{alert['alertId']}", json={"status": "resolved"}
        )
        again = await client.patch(
            f"/api/v1/system/alerts/{alert['alertId']}", json={"status": "acknowledged"}
        )
        reopened = await client.patch(f"/api/v1/system/alerts/{alert['alertId']}", json={"status": "open"})
        open_only = (await client.get("/api/v1/system/alerts", params={"status": "open"})).json()
    assert acked.json()["status"] == "acknowledged" and acked.json()["acknowledgedAt"]
    assert resolved.json()["status"] == "resolved" and resolved.json()["resolvedAt"]
    assert again.status_code == 409 and reopened.status_code == 422
    assert open_only == []
    pushed = [await listener.next_of("system_alert") for _ in range(3)]
    assert [(e["data"]["alert"]["status"], e["priority"]) for _, e in pushed] == [
        ("open", "HIGH"),
        ("acknowledged", "LOW"),
        ("resolved", "LOW"),
    ]


async def test_unknown_alert_is_404(server: RunningServer) -> None:
    async with server.api(await server.admin_token()) as client:
        response = await client.patch("/api/v1/system/alerts/nope", json={"status": "resolved"})
    assert response.status_code == 404 and "nope" in response.json()["detail"]


async def test_nul_characters_are_refused_in_bodies_queries_and_paths(server: RunningServer) -> None:
    body = {"title": "a\u0000b", "severity": "info", "message": "m", "source": "s"}
    literal = {**body, "title": "a literal \\u0000 is fine"}
    async with server.api(await server.admin_token()) as client:
        refused = await client.post("/api/v1/system/alerts", json=body)
        query = await client.get("/api/v1/events", params={"projectId": "a\u0000b"})
        path = await client.get("/api/v1/projects/a%00b")
        accepted = await client.post("/api/v1/system/alerts", json=literal)
        listed = (await client.get("/api/v1/system/alerts")).json()
    for response in (refused, query, path):
        assert response.status_code == 422 and "NUL" in response.json()["detail"]
    assert accepted.status_code == 201 and accepted.json()["title"] == "a literal \\u0000 is fine"
    # the refused one changed nothing
    assert [alert["title"] for alert in listed] == [accepted.json()["title"]]
