"""Recently authenticated bearer tokens, so that a busy client is not looked up on every request.

An entry lives ``ttl`` seconds at most and never past its token's expiry; a user's entries go at
once when their access changes (the bus's ``refresh_user`` control message reaches every node,
the same that re-checks their live sockets).
"""

from __future__ import annotations

import time
from collections import OrderedDict

from conveyor.auth.principal import Principal
from conveyor.auth.security import digest
from conveyor.db import utcnow

CACHE_SECONDS = 30.0
MAX_ENTRIES = 10_000


class PrincipalCache:
    def __init__(self, *, ttl: float = CACHE_SECONDS, size: int = MAX_ENTRIES) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: OrderedDict[str, tuple[Principal, float]] = OrderedDict()  # by token digest

    def get(self, token: str) -> Principal | None:
        key = digest(token)
        entry = self._entries.get(key)
        if entry is None:
            return None
        principal, stored = entry
        expired = principal.expires_at is not None and principal.expires_at <= utcnow()
        if expired or time.monotonic() - stored > self.ttl:
            del self._entries[key]
            return None
        return principal

    def put(self, token: str, principal: Principal) -> None:
        self._entries[digest(token)] = (principal, time.monotonic())
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def forget_user(self, user_id: str) -> None:
        for key in [k for k, (p, _) in self._entries.items() if p.user_id == user_id]:
            del self._entries[key]
