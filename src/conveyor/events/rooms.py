"""Socket.IO room names. Rooms carry authorization: an event goes only to the rooms of its audience."""

from __future__ import annotations

from conveyor.events.catalog import Audience
from conveyor.events.schemas import audience_of

WS_NAMESPACE = "/ws"
AUTHENTICATED_ROOM = "authenticated"
ADMINS_ROOM = "admins"


def user_room(user_id: str) -> str:
    return f"user:{user_id}"


def project_room(project_id: str) -> str:
    return f"project:{project_id}"


def rooms_for(*, project_id: str | None, user_id: str | None) -> list[str]:
    """User events reach only their user; project events its members and admins; the rest all."""
    audience = audience_of(project_id=project_id, user_id=user_id)
    if audience is Audience.USER:
        return [user_room(user_id or "")]
    if audience is Audience.PROJECT:
        return [project_room(project_id or ""), ADMINS_ROOM]
    return [AUTHENTICATED_ROOM]
