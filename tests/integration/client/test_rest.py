from __future__ import annotations

import pytest

from conveyor.client import ConveyorAPIError, ConveyorClient, EventSelection
from tests.support.server import ADMIN_PASSWORD, RunningServer


async def test_get_returns_parsed_json(client: ConveyorClient) -> None:
    me = await client.get("/auth/me")
    assert me["username"] == "admin"
    assert me["isAdmin"] is True


async def test_post_and_patch_round_trip(client: ConveyorClient) -> None:
    body = {"title": "disk full", "severity": "warning", "message": "", "source": "script"}
    alert = await client.post("/system/alerts", body)
    updated = await client.patch(f"/system/alerts/{alert['alertId']}", {"status": "resolved"})
    assert updated["status"] == "resolved"


async def test_errors_carry_status_and_detail(client: ConveyorClient) -> None:
    with pytest.raises(ConveyorAPIError) as missing:
        await client.patch("/system/alerts/nope", {"status": "resolved"})
    assert missing.value.status == 404
    assert "nope" in missing.value.detail
    with pytest.raises(ConveyorAPIError) as invalid:
        await client.post("/system/alerts", {"title": ""})
    assert invalid.value.status == 422


async def test_unauthenticated_call_is_a_401(server: RunningServer) -> None:
    async with ConveyorClient(server.base_url) as anonymous:
        with pytest.raises(ConveyorAPIError) as refused:
            await anonymous.get("/auth/me")
    assert refused.value.status == 401


async def test_credentials_log_in_and_renew_a_refused_token(server: RunningServer) -> None:
    async with ConveyorClient(
        server.base_url, token="stale-token", username="admin", password=ADMIN_PASSWORD
    ) as conveyor:
        me = await conveyor.get("/api/v1/auth/me")
        assert me["username"] == "admin"
        assert conveyor.token not in (None, "stale-token")


async def test_login_returns_a_token_the_server_accepts(server: RunningServer) -> None:
    async with ConveyorClient(server.base_url) as conveyor:
        token = await conveyor.login("admin", ADMIN_PASSWORD)
        created = await conveyor.post("/auth/tokens", {"name": "ci", "scopes": ["alerts:write"]})
    assert token.count(".") == 2
    assert created["token"].startswith("cvy_")


async def test_event_log_pages_through_everything(server: RunningServer, client: ConveyorClient) -> None:
    alerts = [await server.raise_alert(f"alert {n}") for n in range(5)]
    system = EventSelection(event_types=["system_alert"])
    logged = [event async for event in client.event_log(page_size=2, selection=system)]
    assert [e.data["alertId"] for e in logged] == [a["alertId"] for a in alerts]
    first_page = await client.list_events(limit=2, selection=system)
    assert [e.seq for e in first_page.events] == [e.seq for e in logged[:2]]
    assert first_page.next_after_seq == logged[1].seq


def test_unknown_category_is_refused_before_any_call() -> None:
    with pytest.raises(ValueError, match="unknown category"):
        EventSelection(categories=["NOPE"])
