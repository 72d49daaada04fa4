"""Failed logins, counted per user name and per client address: past a few free attempts each
further failure doubles the wait before the next attempt is even checked (429 + Retry-After).

Per node and in memory: a restart forgives, and N nodes allow N times the attempts; both are
far from the thousands of guesses a second an unthrottled login allows.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

MAX_ENTRIES = 100_000


@dataclass
class _Failures:
    count: int
    last: float


class LoginThrottle:
    def __init__(
        self,
        *,
        free_per_user: int = 5,
        free_per_address: int = 20,
        max_wait: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free = {"user": free_per_user, "address": free_per_address}
        self.max_wait = max_wait
        self.clock = clock
        self._failures: OrderedDict[tuple[str, str], _Failures] = OrderedDict()

    def wait(self, username: str, address: str) -> int:
        """Whole seconds to wait before this attempt may be checked (0: now)."""
        now = self.clock()
        waits = [self._wait(key, now) for key in self._keys(username, address)]
        return math.ceil(max(waits))

    def failed(self, username: str, address: str) -> None:
        now = self.clock()
        for key in self._keys(username, address):
            entry = self._failures.pop(key, None) or _Failures(0, now)
            entry.count, entry.last = entry.count + 1, now
            self._failures[key] = entry
        while len(self._failures) > MAX_ENTRIES:
            self._failures.popitem(last=False)

    def succeeded(self, username: str) -> None:
        """The user's count starts again; the address's does not (a valid account would
        otherwise reset it between guesses at others)."""
        self._failures.pop(("user", username), None)

    def _wait(self, key: tuple[str, str], now: float) -> float:
        entry = self._failures.get(key)
        if entry is None:
            return 0.0
        over = entry.count - self.free[key[0]]
        if over < 0:
            return 0.0
        delay = min(self.max_wait, 2.0**over)
        if now - entry.last > 2 * self.max_wait:  # long quiet: forgiven
            del self._failures[key]
            return 0.0
        return max(0.0, entry.last + delay - now)

    @staticmethod
    def _keys(username: str, address: str) -> tuple[tuple[str, str], ...]:
        return (("user", username), ("address", address))
