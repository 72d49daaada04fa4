"""Failed logins, counted per user name and per client address: past a few free attempts each
further failure doubles the wait before the next attempt is even checked (429 + Retry-After).

The counts live where every API process sees them: in Redis when ``CONVEYOR_REDIS_URL`` is set
(what several API processes share anyway), else in this process's memory (one process: a
restart forgives). Entries expire after a long quiet spell.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis

MAX_ENTRIES = 100_000


@dataclass
class Failures:
    count: int
    last: float  # when the last one happened (wall clock: shared between machines)


class FailureStore(Protocol):
    async def get(self, key: str) -> Failures | None: ...

    async def add(self, key: str, now: float, keep: float) -> None:
        """One more failure at ``now``; the entry is forgotten ``keep`` seconds after its last."""

    async def forget(self, key: str) -> None: ...

    async def close(self) -> None: ...


class MemoryFailures:
    def __init__(self) -> None:
        self._entries: OrderedDict[str, Failures] = OrderedDict()

    async def get(self, key: str) -> Failures | None:
        return self._entries.get(key)

    async def add(self, key: str, now: float, keep: float) -> None:
        entry = self._entries.pop(key, None) or Failures(0, now)
        entry.count, entry.last = entry.count + 1, now
        self._entries[key] = entry
        while len(self._entries) > MAX_ENTRIES:
            self._entries.popitem(last=False)

    async def forget(self, key: str) -> None:
        self._entries.pop(key, None)

    async def close(self) -> None:
        return None


class RedisFailures:
    """One hash per name or address (its digest: no user input in key names), expiring by itself."""

    def __init__(self, url: str, prefix: str) -> None:
        self.redis: Redis = Redis.from_url(url)
        self.prefix = f"{prefix}:login-failures:"

    async def get(self, key: str) -> Failures | None:
        count, last = await self.redis.hmget(self._key(key), ["count", "last"])  # type: ignore[misc]
        return None if count is None or last is None else Failures(int(count), float(last))

    async def add(self, key: str, now: float, keep: float) -> None:
        name = self._key(key)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(name, "count", 1)
            pipe.hset(name, "last", repr(now))
            pipe.pexpire(name, int(keep * 1000))
            await pipe.execute()

    async def forget(self, key: str) -> None:
        await self.redis.delete(self._key(key))

    async def close(self) -> None:
        await self.redis.aclose()

    def _key(self, key: str) -> str:
        return self.prefix + hashlib.sha256(key.encode()).hexdigest()


class LoginThrottle:
    def __init__(
        self,
        *,
        store: FailureStore | None = None,
        free_per_user: int = 5,
        free_per_address: int = 20,
        max_wait: float = 900.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store: FailureStore = store or MemoryFailures()
        self.free = {"user": free_per_user, "address": free_per_address}
        self.max_wait = max_wait
        self.clock = clock

    async def wait(self, username: str, address: str) -> int:
        """Whole seconds to wait before this attempt may be checked (0: now)."""
        now = self.clock()
        waits = [await self._wait(kind, value, now) for kind, value in _keys(username, address)]
        return math.ceil(max(waits))

    async def failed(self, username: str, address: str) -> None:
        now = self.clock()
        for kind, value in _keys(username, address):
            await self.store.add(f"{kind}:{value}", now, keep=2 * self.max_wait)

    async def succeeded(self, username: str) -> None:
        """The user's count starts again; the address's does not (a valid account would
        otherwise reset it between guesses at others)."""
        await self.store.forget(f"user:{username}")

    async def close(self) -> None:
        await self.store.close()

    async def _wait(self, kind: str, value: str, now: float) -> float:
        entry = await self.store.get(f"{kind}:{value}")
        if entry is None:
            return 0.0
        over = entry.count - self.free[kind]
        if over < 0:
            return 0.0
        if now - entry.last > 2 * self.max_wait:  # long quiet: forgiven
            await self.store.forget(f"{kind}:{value}")
            return 0.0
        return max(0.0, entry.last + min(self.max_wait, 2.0**over) - now)


def _keys(username: str, address: str) -> tuple[tuple[str, str], ...]:
    return (("user", username), ("address", address))
