"""Readers that act behind the event log (the notification dispatcher, the debugging loop).

Each reader keeps a named cursor. A batch is claimed by moving that one row with a conditional
update, so with many nodes each event is handled by one of them, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.events import store
from conveyor.events.models import EventCursor, EventRecord

WINDOW = 2000  # events looked at per batch


@dataclass(frozen=True)
class Claimed:
    """What a claim moved over: ``looked_at`` events (0: caught up), ``records`` of the wanted types."""

    looked_at: int = 0
    records: list[EventRecord] = field(default_factory=list)


async def claim(session: AsyncSession, reader: str, types: Sequence[str], *, window: int = WINDOW) -> Claimed:
    """Move ``reader``'s cursor over the next events, inside the caller's transaction: committing
    it keeps the claim (and whatever the reader wrote with it), rolling back gives the events back.

    The first claim of a reader starts at the log's head: history is not acted on again.
    """
    cursor = await session.get(EventCursor, reader)
    if cursor is None:
        await _start(session, reader)
        return Claimed()
    start, head = cursor.last_seq, min(cursor.last_seq + window, await store.last_seq(session))
    if head <= start:
        return Claimed()
    moved = await session.execute(
        update(EventCursor)
        .where(EventCursor.name == reader, EventCursor.last_seq == start)
        .values(last_seq=head)
    )
    if not moved.rowcount:  # type: ignore[attr-defined]
        await session.rollback()  # another node took this batch
        return Claimed()
    statement = (
        select(EventRecord)
        .where(EventRecord.seq > start, EventRecord.seq <= head, EventRecord.event_type.in_(types))
        .order_by(EventRecord.seq)
    )
    return Claimed(head - start, list((await session.execute(statement)).scalars()))


async def _start(session: AsyncSession, reader: str) -> None:
    session.add(EventCursor(name=reader, last_seq=await store.last_seq(session)))
    try:
        await session.commit()
    except IntegrityError:  # another node started it first
        await session.rollback()
