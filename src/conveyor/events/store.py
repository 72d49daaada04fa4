"""The event log: appending with a contiguous ``seq`` and reading what a viewer may see."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, delete, func, insert, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.db import COMMIT_AFTER, utcnow
from conveyor.events.catalog import EventCategory, EventPriority
from conveyor.events.filters import EventFilter
from conveyor.events.models import EventRecord
from conveyor.events.schemas import Emission, Envelope, event_row

# Any fixed 64-bit number: the PostgreSQL advisory lock that orders event commits.
SEQ_LOCK_KEY = 0x636F6E7665796F72


@dataclass(frozen=True)
class Viewer:
    """Who is reading: decides which events are visible."""

    user_id: str
    is_admin: bool
    project_ids: frozenset[str]


@dataclass(frozen=True)
class EventQuery:
    after_seq: int = 0
    filter: EventFilter = field(default_factory=EventFilter)
    limit: int = 100
    until_seq: int | None = None
    latest: bool = False  # the last ``limit`` matching events instead of the first


async def append(
    session: AsyncSession, emissions: Sequence[Emission], *, then_commit: bool = False
) -> list[Envelope]:
    """Insert events inside the caller's transaction, numbered after the last committed one.

    On PostgreSQL an advisory transaction lock makes event commits happen in ``seq`` order,
    so a reader that has seen ``seq`` N has also seen every committed event below N. On SQLite
    the caller holds the single write slot (``Database.write_session``).

    ``then_commit``: the caller commits the session right after, with nothing flushed or
    executed in between; SQLite may then commit with the insert, in one trip to its thread.
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEQ_LOCK_KEY})
    now = utcnow()
    if len(emissions) == 1:  # the common case, in one round trip: numbered by the INSERT itself
        row = event_row(0, now, emissions[0])
        del row["seq"]
        options = _COMMIT_AFTER if then_commit else _NO_OPTIONS
        row["seq"] = (await session.execute(_NUMBERED_INSERT, row, execution_options=options)).scalar_one()
        return [Envelope.model_validate(row)]
    first = await last_seq(session) + 1
    rows = [event_row(seq, now, item) for seq, item in enumerate(emissions, start=first)]
    await session.execute(insert(_EVENTS), rows)
    return [Envelope.model_validate(row) for row in rows]


_LAST_SEQ = select(func.coalesce(func.max(EventRecord.seq), 0))
_NEXT_SEQ = select(func.coalesce(func.max(EventRecord.seq), 0) + 1).scalar_subquery()
# Core inserts into the table, not the mapped class: events are written, never loaded back into
# the session, so the ORM's bulk-insert path would only add CPU to every append.
_EVENTS = cast(Table, EventRecord.__table__)
# One statement for every event (its values as parameters): built and compiled once, not per event.
_NUMBERED_INSERT = insert(_EVENTS).values(seq=_NEXT_SEQ).returning(_EVENTS.c.seq)
_COMMIT_AFTER = {COMMIT_AFTER: True}
_NO_OPTIONS: dict[str, Any] = {}


async def last_seq(session: AsyncSession) -> int:
    return int((await session.execute(_LAST_SEQ)).scalar_one())


_FIRST_SEQ = select(func.min(EventRecord.seq))


async def first_seq(session: AsyncSession) -> int | None:
    """The oldest event still in the log (older ones were pruned), or None if it is empty."""
    value = (await session.execute(_FIRST_SEQ)).scalar_one()
    return None if value is None else int(value)


async def prune(session: AsyncSession, *, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` of the oldest events stamped before ``before``. The log stays a
    contiguous run of ``seq`` and its newest event always stays, so numbering goes on from it.
    Returns how many were deleted."""
    oldest = await first_seq(session)
    if oldest is None:
        return 0
    in_window = EventRecord.seq.between(oldest, min(await last_seq(session) - 1, oldest + limit - 1))
    cutoff_query = select(func.max(EventRecord.seq)).where(in_window, EventRecord.timestamp < before)
    cutoff = (await session.execute(cutoff_query)).scalar_one()
    if cutoff is None:
        return 0
    await session.execute(delete(EventRecord).where(EventRecord.seq <= cutoff))
    return int(cutoff) - oldest + 1


def to_envelope(record: EventRecord) -> Envelope:
    return Envelope(
        id=record.id,
        seq=record.seq,
        event_type=record.event_type,
        category=EventCategory(record.category),
        priority=EventPriority(record.priority),
        timestamp=record.timestamp,
        project_id=record.project_id,
        data=record.data,
    )


async def read(session: AsyncSession, viewer: Viewer | None, query: EventQuery) -> list[EventRecord]:
    """Events after ``query.after_seq``, oldest first; ``viewer=None`` reads everything (internal)."""
    conditions = [EventRecord.seq > query.after_seq, *_filters(query)]
    if viewer is not None:
        conditions.append(visible_to(viewer))
    order = EventRecord.seq.desc() if query.latest else EventRecord.seq
    statement = select(EventRecord).where(*conditions).order_by(order).limit(query.limit)
    records = list((await session.execute(statement)).scalars())
    return records[::-1] if query.latest else records


async def read_range(session: AsyncSession, first: int, last: int) -> list[EventRecord]:
    statement = select(EventRecord).where(EventRecord.seq.between(first, last)).order_by(EventRecord.seq)
    return list((await session.execute(statement)).scalars())


def visible_to(viewer: Viewer) -> ColumnElement[bool]:
    own_user_event = EventRecord.user_id == viewer.user_id
    shared = EventRecord.user_id.is_(None)
    global_event = and_(shared, EventRecord.project_id.is_(None))
    if viewer.is_admin:
        return or_(own_user_event, shared)
    member_event = and_(shared, EventRecord.project_id.in_(viewer.project_ids))
    return or_(own_user_event, global_event, member_event)


def _filters(query: EventQuery) -> list[ColumnElement[bool]]:
    wanted = query.filter
    filters: list[ColumnElement[bool]] = []
    if wanted.categories is not None:
        filters.append(EventRecord.category.in_(sorted(wanted.categories)))
    if wanted.event_types is not None:
        filters.append(EventRecord.event_type.in_(sorted(wanted.event_types)))
    if wanted.project_ids is not None:
        filters.append(EventRecord.project_id.in_(sorted(wanted.project_ids)))
    if wanted.min_priority is not EventPriority.LOW:
        filters.append(EventRecord.priority.in_(wanted.allowed_priorities))
    if query.until_seq is not None:
        filters.append(EventRecord.seq <= query.until_seq)
    return filters
