"""Readers behind the event log: a named cursor, batches claimed once across nodes."""

from __future__ import annotations

import asyncio

from conveyor.events import readers
from conveyor.events.catalog import EventType
from conveyor.events.readers import Claimed
from tests.support.server import RunningServer

ALERTS = [EventType.SYSTEM_ALERT.value]


async def claim(server: RunningServer, *, keep: bool = True, window: int = readers.WINDOW) -> Claimed:
    async with server.container.db.write_session() as session:
        claimed = await readers.claim(session, "test-reader", ALERTS, window=window)
        await (session.commit() if keep else session.rollback())
    return claimed


async def test_a_new_reader_starts_at_the_head_and_each_event_is_claimed_once(server: RunningServer) -> None:
    await server.raise_alert("before the reader")
    assert await claim(server) == Claimed()
    raised = [(await server.raise_alert(f"alert {n}"))["alertId"] for n in range(3)]

    first, second = await asyncio.gather(claim(server), claim(server))  # two nodes at once

    winner = first if first.looked_at else second
    assert (first.looked_at == 0) != (second.looked_at == 0), "exactly one node gets the batch"
    assert winner.looked_at >= 3  # the alerts and whatever else the log got meanwhile
    assert [r.data["alertId"] for r in winner.records] == raised
    assert await claim(server) == Claimed()


async def test_a_rolled_back_claim_gives_the_events_back_and_windows_bound_a_batch(
    server: RunningServer,
) -> None:
    await claim(server)
    raised = [(await server.raise_alert(f"alert {n}"))["alertId"] for n in range(3)]

    assert len((await claim(server, keep=False)).records) == 3
    batches = [await claim(server, window=2)]
    while batches[-1].looked_at:
        batches.append(await claim(server, window=2))

    assert all(batch.looked_at <= 2 for batch in batches) and len(batches) >= 3
    assert [r.data["alertId"] for batch in batches for r in batch.records] == raised
