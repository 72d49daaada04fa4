"""Event log retention: old events pruned in batches, numbering goes on, resumers are told."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from conveyor.client import ConveyorClient
from conveyor.db import utcnow
from conveyor.events import store
from tests.support.server import RunningServer

PAST_RETENTION = timedelta(days=31)  # the default retention is 30 days


async def seqs(server: RunningServer) -> tuple[int | None, int]:
    async with server.container.db.session() as session:
        return await store.first_seq(session), await store.last_seq(session)


async def test_old_events_are_pruned_but_the_newest_stays_and_numbering_goes_on(
    server: RunningServer,
) -> None:
    alerts = [await server.raise_alert(f"old {n}") for n in range(5)]
    retention = server.container.retention
    assert await retention.prune_expired() == 0  # nothing is 30 days old yet
    first, last = await seqs(server)
    assert first is not None

    deleted = await retention.prune_expired(now=utcnow() + PAST_RETENTION)

    assert deleted == last - first
    assert await seqs(server) == (last, last)
    newer = await server.raise_alert("new")
    async with server.api(await server.admin_token()) as api:
        page = (await api.get("/api/v1/events", params={"afterSeq": 0})).json()
        listed = (await api.get("/api/v1/system/alerts")).json()
    assert [e["seq"] for e in page["events"]] == [last, last + 1] and page["oldestSeq"] == last
    assert page["events"][1]["data"]["alertId"] == newer["alertId"]
    # what users produced is kept: only the replay window shrank
    assert {a["alertId"] for a in alerts} <= {a["alertId"] for a in listed}


async def test_pruning_goes_in_batches_from_the_oldest(server: RunningServer) -> None:
    for n in range(6):
        await server.raise_alert(f"batch {n}")
    first, last = await seqs(server)
    assert first is not None
    async with server.container.db.write_session() as session:
        deleted = await store.prune(session, before=utcnow() + PAST_RETENTION, limit=2)
        await session.commit()
    assert deleted == 2
    assert await seqs(server) == (first + 2, last)
    async with server.container.db.write_session() as session:
        assert await store.prune(session, before=utcnow() - PAST_RETENTION, limit=100) == 0


async def test_a_resume_from_a_pruned_seq_is_told_and_gets_what_is_left(server: RunningServer) -> None:
    admin = await server.admin_token()
    first = await server.authenticated_socket(admin)
    await server.raise_alert("seen")
    _, envelope = await first.next_of("system_alert")
    await first.close()
    resumed_early = await server.socket()
    _, reply = await resumed_early.authenticate(admin, lastSeq=envelope["seq"])
    assert reply["replayIncomplete"] is False and reply["oldestSeq"] is not None
    await resumed_early.close()

    await server.raise_alert("pruned")
    kept = await server.raise_alert("kept: the newest event")
    await server.container.retention.prune_expired(now=utcnow() + PAST_RETENTION)

    second = await server.socket()
    event, reply = await second.authenticate(admin, lastSeq=envelope["seq"])
    assert event == "authenticated" and reply["replayIncomplete"] is True
    assert reply["oldestSeq"] == reply["lastSeq"] and reply["resumeFrom"] == envelope["seq"]
    _, replayed = await second.next_of("system_alert")
    assert replayed["data"]["alertId"] == kept["alertId"] and replayed["seq"] == reply["oldestSeq"]


async def test_the_python_client_counts_and_reports_a_pruned_gap(server: RunningServer) -> None:
    async with ConveyorClient(server.base_url, token=await server.admin_token()) as client:
        start = (await client.list_events(limit=1000)).next_after_seq
        await server.raise_alert("pruned")
        kept = await server.raise_alert("kept")
        await server.container.retention.prune_expired(now=utcnow() + PAST_RETENTION)
        async with client.events(categories=["SYSTEM"], after_seq=start) as stream:
            welcome = await asyncio.wait_for(stream.wait_authenticated(), 15)
            received = await asyncio.wait_for(anext(stream), 15)
        page = await client.list_events()
    assert welcome["replayIncomplete"] is True and stream.gaps == 1
    assert page.oldest_seq == welcome["oldestSeq"] and page.events[0].seq == page.oldest_seq
    assert received.data["alertId"] == kept["alertId"]


async def test_retention_zero_keeps_every_event(server_with: Any) -> None:
    async with server_with(event_retention_days=0) as server:
        await server.raise_alert("kept forever")
        before = await seqs(server)
        assert await server.container.retention.prune_expired(now=utcnow() + timedelta(days=3650)) == 0
        assert await seqs(server) == before


async def test_the_server_prunes_on_its_own_every_interval(server_with: Any) -> None:
    async with server_with(event_retention_days=1e-9, event_prune_interval_seconds=0.05) as server:
        for n in range(3):
            await server.raise_alert(f"short-lived {n}")
        _, last = await seqs(server)
        # The log has no event to await: poll its state until only its newest event is left.
        # Events may still be appended meanwhile (the alerts' notifications), so the newest may
        # be later than `last`; every event up to `last` must be gone but the newest.
        async with asyncio.timeout(15):
            while (now := await seqs(server))[0] != now[1] or now[1] < last:
                await asyncio.sleep(0.05)
