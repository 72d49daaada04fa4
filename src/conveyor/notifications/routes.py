from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from conveyor.api.deps import CurrentPrincipal, SessionDep
from conveyor.notifications import service
from conveyor.notifications.schemas import NotificationRead, PreferencesRead, PreferencesUpdate, UnreadCount

router = APIRouter(tags=["notifications"])


@router.get("/notifications")
async def list_notifications(
    principal: CurrentPrincipal,
    session: SessionDep,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[NotificationRead]:
    notes = await service.list_notifications(
        session, user_id=principal.user_id, unread_only=unread, limit=limit
    )
    return [NotificationRead.model_validate(n) for n in notes]


@router.get("/notifications/unread-count")
async def unread_count(principal: CurrentPrincipal, session: SessionDep) -> UnreadCount:
    return UnreadCount(unread=await service.unread_count(session, user_id=principal.user_id))


@router.post("/notifications/read-all")
async def mark_all_read(principal: CurrentPrincipal, session: SessionDep) -> UnreadCount:
    await service.mark_all_read(session=session, user_id=principal.user_id)
    return UnreadCount(unread=0)


@router.get("/notifications/preferences")
async def get_preferences(principal: CurrentPrincipal, session: SessionDep) -> PreferencesRead:
    return await service.get_preferences(session, user_id=principal.user_id)


@router.put("/notifications/preferences")
async def put_preferences(
    body: PreferencesUpdate, principal: CurrentPrincipal, session: SessionDep
) -> PreferencesRead:
    return await service.put_preferences(session=session, user_id=principal.user_id, data=body)


@router.post("/notifications/{notification_id}/read")
async def mark_read(
    notification_id: str, principal: CurrentPrincipal, session: SessionDep
) -> NotificationRead:
    note = await service.mark_read(
        session=session, user_id=principal.user_id, notification_id=notification_id
    )
    return NotificationRead.model_validate(note)
