"""Per-user notifications (kept until read) and activity (kept in the event log)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.db import new_id, utcnow
from conveyor.errors import NotFound
from conveyor.events.catalog import EventPriority, EventType, UserNotificationData
from conveyor.events.schemas import Emission, emission
from conveyor.notifications.activity import activity as activity  # where the domains find it
from conveyor.notifications.models import Notification, NotificationPreference
from conveyor.notifications.schemas import (
    NotificationKind,
    NotificationRead,
    PreferencesRead,
    PreferencesUpdate,
)


def notify(
    session: AsyncSession,
    *,
    user_id: str,
    kind: str,
    title: str,
    body: str = "",
    priority: EventPriority = EventPriority.MEDIUM,
    project_id: str | None = None,
) -> Emission:
    """Add a notification to the session; return its event for the caller's ``bus.commit``."""
    note = Notification(
        id=new_id(),
        user_id=user_id,
        kind=kind,
        title=title,
        body=body,
        priority=priority.value,
        project_id=project_id,
        created_at=utcnow(),
    )
    session.add(note)
    data = UserNotificationData(notificationId=note.id, notification=NotificationRead.model_validate(note))
    return emission(EventType.USER_NOTIFICATION, data, user_id=user_id, project_id=project_id)


async def list_notifications(
    session: AsyncSession, *, user_id: str, unread_only: bool, limit: int
) -> list[Notification]:
    statement = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))
    statement = statement.order_by(Notification.created_at.desc()).limit(limit)
    return list((await session.execute(statement)).scalars())


async def mark_read(*, session: AsyncSession, user_id: str, notification_id: str) -> Notification:
    note = await session.get(Notification, notification_id)
    if note is None or note.user_id != user_id:
        raise NotFound(f"notification {notification_id} not found")
    if note.read_at is None:
        note.read_at = utcnow()
        await session.commit()
    return note


async def mark_all_read(*, session: AsyncSession, user_id: str) -> int:
    statement = (
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    marked: int = (await session.execute(statement)).rowcount  # type: ignore[attr-defined]
    await session.commit()
    return marked


async def unread_count(session: AsyncSession, *, user_id: str) -> int:
    statement = select(func.count()).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    return (await session.scalar(statement)) or 0


def _read(row: NotificationPreference | None) -> PreferencesRead:
    muted = set(row.muted) if row else set()
    return PreferencesRead(
        kinds={kind: kind.value not in muted for kind in NotificationKind}, email=bool(row and row.email)
    )


async def get_preferences(session: AsyncSession, *, user_id: str) -> PreferencesRead:
    return _read(await session.get(NotificationPreference, user_id))


async def put_preferences(*, session: AsyncSession, user_id: str, data: PreferencesUpdate) -> PreferencesRead:
    row = await session.get(NotificationPreference, user_id)
    if row is None:
        row = NotificationPreference(user_id=user_id, muted=[], email=False)
        session.add(row)
    muted = set(row.muted) | {k.value for k, on in data.kinds.items() if not on}
    row.muted = sorted(muted - {k.value for k, on in data.kinds.items() if on})
    if data.email is not None:
        row.email = data.email
    row.updated_at = utcnow()
    await session.commit()
    return _read(row)


async def receivers(session: AsyncSession, user_ids: Iterable[str], kind: str) -> list[str]:
    """The users among ``user_ids`` who have not turned ``kind`` off, in the given order."""
    wanted = list(dict.fromkeys(user_ids))
    statement = select(NotificationPreference).where(NotificationPreference.user_id.in_(wanted))
    muted = {p.user_id for p in (await session.execute(statement)).scalars() if kind in p.muted}
    return [u for u in wanted if u not in muted]


async def email_wanted(session: AsyncSession, user_id: str, kind: str) -> bool:
    row = await session.get(NotificationPreference, user_id)
    return bool(row and row.email and kind not in row.muted)
