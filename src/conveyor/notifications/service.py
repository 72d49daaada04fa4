"""Per-user notifications (kept until read) and activity (kept in the event log)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.db import new_id, utcnow
from conveyor.errors import NotFound
from conveyor.events.catalog import EventPriority, EventType, UserActivityData, UserNotificationData
from conveyor.events.schemas import Emission, emission
from conveyor.notifications.models import Notification
from conveyor.notifications.schemas import NotificationRead


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


def activity(user_id: str, kind: str, summary: str, **details: object) -> Emission:
    """A ``user_activity`` event: something this user did."""
    body = {"kind": kind, "summary": summary, "at": utcnow().isoformat(), **details}
    data = UserActivityData(activityId=new_id(), activity=body)
    return emission(EventType.USER_ACTIVITY, data, user_id=user_id)


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
