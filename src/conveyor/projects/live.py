"""What the live API (``events.realtime.access``) asks of accounts and projects: tokens to
identities (auth), identities to what they may see (project access), each in a short session."""

from __future__ import annotations

from conveyor.auth import service
from conveyor.auth.principal import Access, Principal
from conveyor.auth.security import JwtCodec
from conveyor.db import Database
from conveyor.errors import Unauthorized
from conveyor.events.realtime.access import Identity
from conveyor.projects.access import load_access


class LiveAccounts:
    def __init__(self, *, db: Database, codec: JwtCodec) -> None:
        self.db = db
        self.codec = codec

    async def authenticate(self, token: str) -> Principal:
        async with self.db.session() as session:
            principal = await service.authenticate(session=session, codec=self.codec, token=token)
        if not principal.may_use("api"):
            raise Unauthorized("this API token's scopes do not include the live API (scope 'api')")
        return principal

    async def access_of(self, identity: Identity) -> Access | None:
        stamp = identity.password_stamp if isinstance(identity, Principal) else None
        async with self.db.session() as session:
            valid = await service.still_valid(
                session, user_id=identity.user_id, token_id=identity.token_id, password_stamp=stamp
            )
            if not valid:
                return None
            try:
                return await load_access(session, identity.user_id)
            except Unauthorized:
                return None
