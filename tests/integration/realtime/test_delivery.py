"""Who receives what: per-event authorization, live membership, resume, filters, order."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
import sqlalchemy.exc

from conveyor.events import store
from conveyor.events.models import EventRecord
from conveyor.events.realtime import sequencer as sequencer_module
from conveyor.events.realtime.channel import Packet
from conveyor.events.realtime.delivery import Outgoing, fan_out
from conveyor.events.realtime.sequencer import RECENT_EVENTS, RecentEvents
from tests.support.events import project_event
from tests.support.server import RunningServer
from tests.support.sockets import Listener


def is_alert(alert: dict[str, Any]) -> Any:
    return lambda data: data["data"].get("alertId") == alert["alertId"]


async def seen_until_sentinel(server: RunningServer, *listeners: Listener) -> list[list[tuple[str, Any]]]:
    """Raise a global alert and return what each listener received up to it.

    Delivery is ordered by seq, so anything committed before the sentinel that a listener may
    see arrives before it: what is absent here was not delivered. No sleeping needed.
    """
    sentinel = await server.raise_alert("sentinel")
    return [await listener.events_until("system_alert", is_alert(sentinel)) for listener in listeners]


async def test_project_events_reach_members_and_admins_only(server: RunningServer) -> None:
    _, alice = await server.create_user("alice")
    _, bob = await server.create_user("bob")
    project_a = await server.create_project(alice, "a")
    project_b = await server.create_project(bob, "b")
    alice_socket = await server.authenticated_socket(alice)
    bob_socket = await server.authenticated_socket(bob)
    admin_socket = await server.authenticated_socket(await server.admin_token())
    event_b = await project_event(server, project_b)
    alice_seen, bob_seen, admin_seen = await seen_until_sentinel(
        server, alice_socket, bob_socket, admin_socket
    )
    assert event_b.id not in {data["id"] for _, data in alice_seen}
    assert event_b.id in {data["id"] for _, data in bob_seen}
    assert event_b.id in {data["id"] for _, data in admin_seen}

    # Asking for another project's events by id does not open them either.
    await alice_socket.emit("subscribe", {"projectIds": [project_b, project_a]})
    await alice_socket.next_of("subscribed")
    second_b = await project_event(server, project_b)
    own = await project_event(server, project_a)
    received = await alice_socket.events_until("pipeline_deleted", lambda data: data["id"] == own.id)
    assert second_b.id not in {data["id"] for _, data in received}
    async with server.api(alice) as client:
        page = (await client.get("/api/v1/events", params={"projectId": project_b})).json()
    assert page["events"] == []


async def test_user_events_reach_only_their_user(server: RunningServer) -> None:
    _, alice = await server.create_user("alice")
    _, bob = await server.create_user("bob")
    alice_socket = await server.authenticated_socket(alice)
    bob_socket = await server.authenticated_socket(bob)
    admin_socket = await server.authenticated_socket(await server.admin_token())
    async with server.api(alice) as client:
        await client.post("/api/v1/auth/tokens", json={"name": "alice's script"})
    alice_seen, bob_seen, admin_seen = await seen_until_sentinel(
        server, alice_socket, bob_socket, admin_socket
    )
    assert "user_activity" in [name for name, _ in alice_seen]
    assert "user_activity" not in [name for name, _ in bob_seen]
    assert "user_activity" not in [name for name, _ in admin_seen]


async def test_membership_changes_apply_to_live_sockets(server: RunningServer) -> None:
    _, owner = await server.create_user("owner")
    bob_id, bob = await server.create_user("bob")
    project = await server.create_project(owner, "shared")
    bob_socket = await server.authenticated_socket(bob)

    before = await project_event(server, project)
    async with server.api(owner) as client:
        await client.put(f"/api/v1/projects/{project}/members/{bob_id}", json={"role": "viewer"})
    _, note = await bob_socket.next_of("user_notification")
    assert note["data"]["notification"]["kind"] == "membership"
    during = await project_event(server, project)
    async with server.api(owner) as client:
        await client.delete(f"/api/v1/projects/{project}/members/{bob_id}")
    await bob_socket.next_of("user_notification")
    after = await project_event(server, project)

    [seen] = await seen_until_sentinel(server, bob_socket)
    ids = {data.get("id") for _, data in bob_socket.received}
    assert during.id in ids
    assert before.id not in ids and after.id not in ids and seen


async def test_resume_with_last_seq_replays_in_order_without_gaps_or_duplicates(
    server: RunningServer,
) -> None:
    _, alice = await server.create_user("alice")
    admin = await server.admin_token()
    first = await server.authenticated_socket(admin)
    seen_alert = await server.raise_alert("seen")
    _, envelope = await first.next_of("system_alert")
    last_seq = envelope["seq"]
    await first.close()

    missed = [await server.raise_alert(f"missed {i}") for i in range(5)]
    hidden = await project_event(server, await server.create_project(alice, "not-admins-business"))

    second = await server.socket()
    event, reply = await second.authenticate(admin, lastSeq=last_seq)
    assert event == "authenticated" and reply["resumeFrom"] == last_seq
    live = await server.raise_alert("live")
    received = await second.events_until("system_alert", is_alert(live))
    alerts = [data["data"]["alertId"] for name, data in received if name == "system_alert"]
    assert alerts == [a["alertId"] for a in missed] + [live["alertId"]]
    assert seen_alert["alertId"] not in alerts
    seqs = [data["seq"] for name, data in received if "seq" in data]
    assert seqs == sorted(set(seqs)) and min(seqs) > last_seq
    assert hidden.id in {data["id"] for _, data in received}  # admins see every project


async def test_resume_through_the_connect_packet(server: RunningServer) -> None:
    admin = await server.admin_token()
    await server.raise_alert("before")
    missed = await server.raise_alert("missed")
    listener = await server.socket(auth={"token": admin, "lastSeq": 0})
    received = await listener.events_until("system_alert", is_alert(missed))
    assert received[0][0] == "authenticated"
    assert [name for name, _ in received].count("system_alert") == 2


async def test_subscribe_narrows_by_category_and_priority(server: RunningServer) -> None:
    _, alice = await server.create_user("alice")
    project = await server.create_project(alice, "proj")
    listener = await server.authenticated_socket(alice)
    await listener.emit("subscribe", {"categories": ["SYSTEM"], "minPriority": "MEDIUM"})
    _, reply = await listener.next_of("subscribed")
    assert reply["filter"]["categories"] == ["SYSTEM"] and reply["filter"]["minPriority"] == "MEDIUM"
    low = await server.raise_alert("low", "info")
    await project_event(server, project)
    high = await server.raise_alert("high", "critical")
    received = await listener.events_until("system_alert", is_alert(high))
    assert [name for name, _ in received] == ["system_alert"]
    assert low["alertId"] not in str(received)

    await listener.emit("unsubscribe", {})
    await listener.next_of("subscribed")
    event = await project_event(server, project)
    _, envelope = await listener.next_of("pipeline_deleted")
    assert envelope["id"] == event.id


async def test_concurrent_events_arrive_in_seq_order(server: RunningServer) -> None:
    listener = await server.authenticated_socket(await server.admin_token())
    alerts = await asyncio.gather(*(server.raise_alert(f"burst {i}") for i in range(30)))
    last = max(alerts, key=lambda a: a["createdAt"])
    await listener.events_until("system_alert", lambda _: len(_alerts(listener)) == 30)
    seqs = [data["seq"] for _, data in _alerts(listener)]
    assert seqs == sorted(seqs) and len(set(seqs)) == 30
    assert {a["alertId"] for a in alerts} == {d["data"]["alertId"] for _, d in _alerts(listener)}
    assert last


def _alerts(listener: Listener) -> list[tuple[str, Any]]:
    return [item for item in listener.received if item[0] == "system_alert"]


async def test_events_committed_without_a_live_message_are_filled_from_the_log(server: RunningServer) -> None:
    listener = await server.authenticated_socket(await server.admin_token())
    bus = server.container.bus
    emitter, bus.emitter = bus.emitter, None  # a producer that commits and dies before publishing
    try:
        lost = await server.raise_alert("committed, never published")
    finally:
        bus.emitter = emitter
    _, envelope = await listener.next_of("system_alert", timeout=10)
    assert envelope["data"]["alertId"] == lost["alertId"]


async def test_out_of_order_messages_are_reordered(server: RunningServer) -> None:
    listener = await server.authenticated_socket(await server.admin_token())
    bus = server.container.bus
    emitter, bus.emitter = bus.emitter, None
    try:
        first = await server.raise_alert("first")
        second = await server.raise_alert("second")
    finally:
        bus.emitter = emitter
    async with server.container.db.session() as session:
        records = await store.read(session, None, store.EventQuery(after_seq=0, limit=1000))
    by_alert = {r.data.get("alertId"): r for r in records}
    hub = server.container.hub
    for alert in (second, first):  # deliver the later one first
        envelope = store.to_envelope(by_alert[alert["alertId"]]).model_dump(mode="json")
        await hub.receive({"envelope": envelope, "rooms": ["authenticated"]})
    got = [data["data"]["alertId"] for _, data in [await listener.next_of("system_alert") for _ in range(2)]]
    assert got == [first["alertId"], second["alertId"]]


async def test_revoking_a_token_or_disabling_a_user_stops_live_sockets(server: RunningServer) -> None:
    alice_id, alice = await server.create_user("alice")
    async with server.api(alice) as client:
        created = (await client.post("/api/v1/auth/tokens", json={"name": "bot"})).json()
    bot_socket = await server.authenticated_socket(created["token"])
    alice_socket = await server.authenticated_socket(alice)
    admin_socket = await server.authenticated_socket(await server.admin_token())
    async with server.api(alice) as client:
        await client.delete(f"/api/v1/auth/tokens/{created['id']}")
    _, revoked = await bot_socket.next_of("auth_error")
    assert revoked["message"] == "access revoked"
    async with server.api(await server.admin_token()) as client:
        await client.patch(f"/api/v1/users/{alice_id}", json={"isActive": False})
    _, disabled = await alice_socket.next_of("auth_error")
    assert disabled["message"] == "access revoked"
    alert = await server.raise_alert("after revocation")
    [admin_seen] = await seen_until_sentinel(server, admin_socket)
    assert alert["alertId"] in str(admin_seen)
    assert alert["alertId"] not in str(bot_socket.received) + str(alice_socket.received)


async def test_a_subscription_sent_with_the_credentials_also_narrows_the_replay(
    server: RunningServer,
) -> None:
    _, alice = await server.create_user("alice")
    project = await server.create_project(alice, "proj")
    await project_event(server, project)
    high = await server.raise_alert("high", "critical")
    await server.raise_alert("low", "info")
    listener = await server.socket(auth={"token": alice, "lastSeq": 0, "subscribe": {"minPriority": "HIGH"}})
    _, welcome = await listener.next_of("authenticated")
    assert welcome["filter"]["minPriority"] == "HIGH"
    live = await server.raise_alert("live", "critical")
    received = await listener.events_until("system_alert", is_alert(live))
    assert [d["data"]["alertId"] for n, d in received if n == "system_alert"] == [
        high["alertId"],
        live["alertId"],
    ]
    assert all(d["priority"] == "HIGH" for n, d in received if n != "authenticated")


async def test_a_malformed_subscription_with_the_credentials_is_refused(server: RunningServer) -> None:
    listener = await server.socket()
    event, data = await listener.authenticate(await server.admin_token(), subscribe=["SYSTEM"])
    assert event == "auth_error" and "subscribe" in data["message"]


async def test_a_backlog_of_mixed_audiences_is_delivered_in_order_to_the_right_sockets(
    server: RunningServer,
) -> None:

    _, alice = await server.create_user("alice")
    _, bob = await server.create_user("bob")
    project_a = await server.create_project(alice, "a")
    project_b = await server.create_project(bob, "b")
    sockets = {
        "alice": await server.authenticated_socket(alice),
        "bob": await server.authenticated_socket(bob),
        "admin": await server.authenticated_socket(await server.admin_token()),
    }
    bus = server.container.bus
    emitter, bus.emitter = bus.emitter, None
    try:
        produced = [await project_event(server, (project_a, project_b)[i % 2]) for i in range(12)]
    finally:
        bus.emitter = emitter
    async with server.container.db.session() as session:
        records = await store.read_range(session, produced[0].seq, produced[-1].seq)
    hub = server.container.hub
    for record in reversed(records):  # one backlog, arriving in reverse: delivered as one batch
        envelope = store.to_envelope(record).model_dump(mode="json")
        rooms = [f"project:{record.project_id}", "admins"]
        await hub.receive({"envelope": envelope, "rooms": rooms})
    expected = {
        "alice": [e.id for e in produced if e.project_id == project_a],
        "bob": [e.id for e in produced if e.project_id == project_b],
        "admin": [e.id for e in produced],
    }
    for name, listener in sockets.items():
        last = expected[name][-1]
        received = await listener.events_until("pipeline_deleted", lambda data, last=last: data["id"] == last)
        assert [data["id"] for event, data in received if event == "pipeline_deleted"] == expected[name], name


@pytest.mark.parametrize("cached", [True, False], ids=["kept-from-live", "read-back-from-the-log"])
async def test_sockets_resuming_from_the_same_seq_encode_each_replayed_event_once(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch, cached: bool
) -> None:
    admin = await server.admin_token()
    first = await server.authenticated_socket(admin)
    await server.raise_alert("seen")
    _, envelope = await first.next_of("system_alert")
    await first.close()
    missed = [await server.raise_alert(f"missed {i}") for i in range(5)]
    sequencer = server.container.hub.sequencer
    if not cached:  # as if the events had left the recent ones: each is read back from the log
        sequencer.recent = RecentEvents(RECENT_EVENTS)
    encoded: list[int] = []
    encode = Packet.event.__func__  # type: ignore[attr-defined]

    def counted(cls: type[Packet], namespace: str, name: str, data: Any) -> Packet:
        if name == "system_alert":
            encoded.append(data["seq"])
        return encode(cls, namespace, name, data)  # type: ignore[no-any-return]

    monkeypatch.setattr(Packet, "event", classmethod(counted))
    sockets = await asyncio.gather(*(server.socket() for _ in range(20)))
    replies = await asyncio.gather(*(s.authenticate(admin, lastSeq=envelope["seq"]) for s in sockets))
    assert {reply["resumeFrom"] for _, reply in replies} == {envelope["seq"]}
    live = await server.raise_alert("live")
    expected = [a["alertId"] for a in missed] + [live["alertId"]]
    alert_seqs = set()
    for listener in sockets:
        received = await listener.events_until("system_alert", is_alert(live))
        alerts = [data for name, data in received if name == "system_alert"]
        assert [data["data"]["alertId"] for data in alerts] == expected
        seqs = [data["seq"] for _, data in received if "seq" in data]
        assert seqs == sorted(set(seqs)) and min(seqs) > envelope["seq"]
        alert_seqs.add(tuple(data["seq"] for data in alerts))
    [seqs_of_alerts] = alert_seqs
    # Each encoded once for the 20 sockets: the five replayed alerts and the live one.
    assert sorted(encoded) == list(seqs_of_alerts)


async def test_a_replay_that_fails_midway_drops_the_socket_to_resume_instead_of_leaving_a_gap(
    server_with: Callable[..., AbstractAsyncContextManager[RunningServer]], monkeypatch: pytest.MonkeyPatch
) -> None:
    alerts_only = {"eventTypes": ["system_alert"]}
    async with server_with(ws_replay_page_size=2) as server:
        admin = await server.admin_token()
        first = await server.authenticated_socket(admin)
        await server.raise_alert("seen")
        _, envelope = await first.next_of("system_alert")
        await first.close()
        missed = [await server.raise_alert(f"missed {i}") for i in range(3)]
        read, reads = store.read, 0

        async def second_page_unreadable(*args: Any, **kwargs: Any) -> list[EventRecord]:
            nonlocal reads
            reads += 1
            if reads == 2:  # what a reconnect storm's pool timeout raises
                raise sqlalchemy.exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached")
            return await read(*args, **kwargs)

        monkeypatch.setattr(store, "read", second_page_unreadable)
        second = await server.socket()
        await second.authenticate(admin, lastSeq=envelope["seq"], subscribe=alerts_only)
        _, error = await second.next_of("error")
        await asyncio.wait_for(second.disconnected.wait(), 10)
        got = [data for name, data in second.received if name == "system_alert"]
        assert [data["data"]["alertId"] for data in got] == [a["alertId"] for a in missed[:2]]
        assert error["code"] == "resume_failed" and error["lastSeq"] == got[-1]["seq"]

        monkeypatch.setattr(store, "read", read)
        third = await server.socket()
        await third.authenticate(admin, lastSeq=error["lastSeq"], subscribe=alerts_only)
        rest = await third.events_until("system_alert", is_alert(missed[2]))
        alerts = [data["data"]["alertId"] for name, data in rest if name == "system_alert"]
        assert alerts == [missed[2]["alertId"]]


async def test_events_nobody_wants_are_not_walked_and_a_later_subscriber_receives_and_resumes(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, alice = await server.create_user("alice")
    project = await server.create_project(alice, "proj")
    admin = await server.admin_token()
    listener = await server.authenticated_socket(admin)
    await listener.emit("subscribe", {"eventTypes": ["system_alert"]})
    await listener.next_of("subscribed")
    walked: list[int] = []

    async def recorded(batch: Sequence[Outgoing]) -> None:
        walked.extend(item.seq for item in batch)
        await fan_out(batch)

    monkeypatch.setattr(sequencer_module, "fan_out", recorded)
    unwanted = await project_event(server, project)  # the admin's only socket takes alerts only
    alert = await server.raise_alert("wanted")
    received = await listener.events_until("system_alert", is_alert(alert))
    assert unwanted.seq not in walked and received[-1][1]["seq"] in walked
    assert [name for name, _ in received] == ["system_alert"]

    await listener.emit("unsubscribe", {})
    await listener.next_of("subscribed")
    live = await project_event(server, project)
    _, envelope = await listener.next_of("pipeline_deleted")
    assert envelope["id"] == live.id and live.seq in walked
    await listener.close()
    missed = await project_event(server, project)
    last = await server.raise_alert("missed")
    for resume_from, expected in [
        (envelope["seq"], [missed.id]),
        (unwanted.seq - 1, [unwanted.id, live.id, missed.id]),
    ]:
        resumed = await server.socket()
        await resumed.authenticate(admin, lastSeq=resume_from)
        replayed = await resumed.events_until("system_alert", is_alert(last))
        assert [data["id"] for name, data in replayed if name == "pipeline_deleted"] == expected
