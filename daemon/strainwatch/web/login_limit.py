"""How many password guesses anyone gets: failed logins are counted per account (the name
tried, whoever tries it) and per client address (whatever names it tries).

A count of failures is free up to its allowance; the failure that reaches it locks the key
for BASE_LOCK_S, and each further failure (once a lock has passed) doubles the lock, up to
MAX_LOCK_S. A count is forgotten FORGET_S after its last failure, or, for an account, when
that account logs in. A success never clears the address's count: one valid login must not
buy its owner fresh guesses at someone else's password (the bug this replaced). A slow
guesser who waits out each lock gets about a dozen tries on the first day and one a day
after that.

Locking an account by name lets anyone on the network keep its owner out of the login form
for a while (never out of a session already open, nor out of a proxy login); that is the
price of no unlimited guessing, and a home server's users are few.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

ACCOUNT_ALLOWANCE = 5  # failed logins at one account before it is locked
ADDRESS_ALLOWANCE = 10  # failed logins from one address, across all names
BASE_LOCK_S = 15 * 60.0
MAX_LOCK_S = 24 * 3600.0
FORGET_S = 24 * 3600.0
MAX_KEYS = 10_000  # a flood of made-up names cannot grow memory without bound


@dataclass(slots=True)
class _Count:
    failures: int = 0
    last: float = 0.0
    locked_until: float = 0.0


@dataclass(slots=True)
class LoginLimiter:
    clock: Callable[[], float] = time.monotonic
    _counts: dict[tuple[str, str], _Count] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_s(self, account: str, client: str) -> float:
        """Seconds until a login for `account` from `client` is heard again (0: now)."""
        now = self.clock()
        with self._lock:
            locks = [c.locked_until for key in self._keys(account, client) if (c := self._get(key, now))]
        return max([0.0, *(until - now for until in locks)])

    def failed(self, account: str, client: str) -> None:
        now = self.clock()
        with self._lock:
            for key, allowance in zip(
                self._keys(account, client), (ACCOUNT_ALLOWANCE, ADDRESS_ALLOWANCE), strict=True
            ):
                count = self._get(key, now) or self._add(key, now)
                count.failures += 1
                count.last = now
                if count.failures >= allowance:
                    doublings = count.failures - allowance
                    count.locked_until = now + min(BASE_LOCK_S * 2.0 ** min(doublings, 32), MAX_LOCK_S)

    def succeeded(self, account: str) -> None:
        with self._lock:
            self._counts.pop(("account", account), None)

    @staticmethod
    def _keys(account: str, client: str) -> tuple[tuple[str, str], tuple[str, str]]:
        return ("account", account), ("address", client)

    def _get(self, key: tuple[str, str], now: float) -> _Count | None:
        count = self._counts.get(key)
        if count is not None and now - count.last > FORGET_S and now >= count.locked_until:
            del self._counts[key]
            return None
        return count

    def _add(self, key: tuple[str, str], now: float) -> _Count:
        if len(self._counts) >= MAX_KEYS:
            unlocked = [k for k, c in self._counts.items() if c.locked_until <= now] or list(self._counts)
            for k in sorted(unlocked, key=lambda k: self._counts[k].last)[: MAX_KEYS // 10]:
                del self._counts[k]
        count = self._counts[key] = _Count()
        return count
