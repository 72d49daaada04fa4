"""Who is calling, and what they may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from conveyor.auth.roles import Role
from conveyor.events.store import Viewer


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a user, through a JWT or through one of their API tokens."""

    user_id: str
    username: str
    is_admin: bool
    token_id: str | None = None
    scopes: frozenset[str] = frozenset({"api"})
    expires_at: datetime | None = None
    password_stamp: str | None = None  # a JWT's: the password it was issued under

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def may_use(self, scope: str) -> bool:
        """A login session may do all its user may; an API token what its scopes allow, ``api``
        being everything its user may do."""
        return self.token_id is None or "api" in self.scopes or scope in self.scopes

    @property
    def public(self) -> dict[str, object]:
        return {"id": self.user_id, "username": self.username, "isAdmin": self.is_admin}


@dataclass(frozen=True)
class Access:
    """A user's standing right now: admin flag and role in each project."""

    user_id: str
    is_admin: bool
    project_roles: dict[str, Role] = field(default_factory=dict)

    @property
    def viewer(self) -> Viewer:
        return Viewer(self.user_id, self.is_admin, frozenset(self.project_roles))
