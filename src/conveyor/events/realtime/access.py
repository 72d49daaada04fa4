"""What the live API asks of the accounts side, as protocols, so that ``events`` imports no domain.

The container wires in the implementation (``conveyor.projects.live``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from conveyor.events.rooms import ADMINS_ROOM, AUTHENTICATED_ROOM, project_room, user_room
from conveyor.events.store import Viewer


class Identity(Protocol):
    """Who a token stands for: a user, through a JWT or one of their API tokens."""

    @property
    def user_id(self) -> str: ...

    @property
    def token_id(self) -> str | None: ...

    @property
    def expires_at(self) -> datetime | None: ...

    @property
    def public(self) -> dict[str, object]: ...


class Access(Protocol):
    """What a user may see right now: admin flag and role (by name) in each project."""

    @property
    def user_id(self) -> str: ...

    @property
    def is_admin(self) -> bool: ...

    @property
    def project_roles(self) -> Mapping[str, str]: ...

    @property
    def viewer(self) -> Viewer: ...


class Authenticator(Protocol):
    async def authenticate(self, token: str) -> Identity:
        """The identity behind a JWT or an API token; raises ``Unauthorized``."""
        ...


class Visibility(Protocol):
    async def access_of(self, identity: Identity) -> Access | None:
        """What the identity may see now; None once its user is disabled or its token revoked."""
        ...


def rooms_of(access: Access | None) -> set[str]:
    """The rooms a socket with this access belongs in (none before authentication)."""
    if access is None:
        return set()
    rooms = {AUTHENTICATED_ROOM, user_room(access.user_id)}
    rooms.update(project_room(pid) for pid in access.project_roles)
    if access.is_admin:
        rooms.add(ADMINS_ROOM)
    return rooms
