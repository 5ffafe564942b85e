"""The pages answered in the last TTL_S seconds, so that a crowd asking for the same page at
once (a club's coach's screen on the wall, a phone reloading, a burst of tabs) costs one
modelling, not one each: the first asker builds it, the others wait for it and share it.

A page is kept for at most TTL_S, and every write through the page and every pass of the
daemon drops them all, so nothing shown is older than a second than what the database says.
The key holds what a page depends on besides the database: its address, its query and the
athletes the login may see (never the login itself: its name and CSRF token are put in when
the page is rendered).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Generic, TypeVar

TTL_S = 1.0
SIZE = 64

T = TypeVar("T")


class RecentPages(Generic[T]):
    def __init__(
        self, ttl_s: float = TTL_S, size: int = SIZE, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_s, self.size, self.clock = ttl_s, size, clock
        self._items: OrderedDict[Hashable, tuple[float, Future[T]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        now = self.clock()
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and now - hit[0] <= self.ttl_s:
                future, mine = hit[1], False
            else:
                future, mine = Future(), True
                self._items[key] = (now, future)
                self._items.move_to_end(key)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        if not mine:
            return future.result()
        try:
            value = make()
        except BaseException as error:  # the waiters get it too; the next asker tries again
            with self._lock:
                if self._items.get(key, (0.0, None))[1] is future:
                    del self._items[key]
            future.set_exception(error)
            raise
        future.set_result(value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
