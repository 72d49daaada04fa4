from __future__ import annotations

import json
from pathlib import Path

from conveyor.events.asyncapi import build_document
from conveyor.events.catalog import CATALOG
from tests.support.events import project_event
from tests.support.server import RunningServer

ASYNCAPI = Path(__file__).parents[3] / "docs" / "asyncapi.json"


async def test_the_log_pages_in_order(server: RunningServer) -> None:
    alerts = [await server.raise_alert(f"a{i}") for i in range(5)]
    async with server.api(await server.admin_token()) as client:
        first = (await client.get("/api/v1/events", params={"eventType": "system_alert", "limit": 3})).json()
        rest = (
            await client.get(
                "/api/v1/events", params={"eventType": "system_alert", "afterSeq": first["nextAfterSeq"]}
            )
        ).json()
    ids = [e["data"]["alertId"] for e in first["events"] + rest["events"]]
    assert ids == [a["alertId"] for a in alerts]
    seqs = [e["seq"] for e in first["events"] + rest["events"]]
    assert seqs == sorted(seqs)


async def test_the_log_is_filtered_by_what_the_caller_may_see(server: RunningServer) -> None:
    _, alice = await server.create_user("alice")
    _, bob = await server.create_user("bob")
    mine = await project_event(server, await server.create_project(alice, "mine"))
    theirs = await project_event(server, await server.create_project(bob, "theirs"))
    async with server.api(alice) as client:
        page = (await client.get("/api/v1/events", params={"category": "PIPELINE"})).json()
        activity = (await client.get("/api/v1/events", params={"category": "USER"})).json()
    assert [e["id"] for e in page["events"]] == [mine.id]
    assert theirs.id not in json.dumps(page)
    assert activity["events"] and all(e["event_type"] == "user_activity" for e in activity["events"])


async def test_bad_filters_are_refused(server: RunningServer) -> None:
    async with server.api(await server.admin_token()) as client:
        bad_category = await client.get("/api/v1/events", params={"category": "WEATHER"})
        bad_seq = await client.get("/api/v1/events", params={"afterSeq": -1})
        anonymous = await client.get("/api/v1/events", headers={"Authorization": ""})
    assert bad_category.status_code == 422 and "WEATHER" in bad_category.json()["detail"]
    assert bad_seq.status_code == 422
    assert anonymous.status_code == 401


async def test_catalog_endpoint_has_a_schema_per_event(server: RunningServer) -> None:
    async with server.api() as client:
        catalog = (await client.get("/api/v1/events/catalog")).json()
    by_type = {entry["eventType"]: entry for entry in catalog}
    assert set(by_type) == {event_type.value for event_type in CATALOG}
    alert = by_type["system_alert"]
    assert alert["category"] == "SYSTEM" and "severity" in alert["priorityRule"]
    assert alert["schema"]["required"] == ["alertId", "alert"]


async def test_asyncapi_document_is_served_and_committed_up_to_date(server: RunningServer) -> None:
    async with server.api() as client:
        served = (await client.get("/api/v1/events/asyncapi.json")).json()
    assert served["asyncapi"].startswith("3.") and "system_alert" in served["components"]["messages"]
    assert json.loads(ASYNCAPI.read_text()) == build_document(), "run: conveyor asyncapi > docs/asyncapi.json"


async def test_latest_returns_the_most_recent_events_oldest_first_and_continues_after_them(
    server: RunningServer,
) -> None:
    alerts = [await server.raise_alert(f"a{i}") for i in range(6)]
    params = {"eventType": "system_alert", "limit": 2, "latest": "true"}
    async with server.api(await server.admin_token()) as client:
        page = (await client.get("/api/v1/events", params=params)).json()
        newer = await server.raise_alert("newer")
        after = (
            await client.get(
                "/api/v1/events", params={"eventType": "system_alert", "afterSeq": page["nextAfterSeq"]}
            )
        ).json()
    assert [e["data"]["alertId"] for e in page["events"]] == [a["alertId"] for a in alerts[-2:]]
    assert [e["data"]["alertId"] for e in after["events"]] == [newer["alertId"]]
