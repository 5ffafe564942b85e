"""The training history of the last day asked for, per athlete, kept between requests: ten
years of runs take longer to load and model than the whole rest of a page. A cheap version
query (views.overview.history_version) tells when it must be built again. Today's overview
asks for a light history (no words or pace profiles: build_history), an as-of day for a full
one; both are kept, apart."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING

from strainwatch.config.settings import AthleteSettings
from strainwatch.metrics.history import History
from strainwatch.views.overview import build_history, history_version

if TYPE_CHECKING:
    from strainwatch.store.db import DbSession, Sessions

SIZE = 16  # athletes (and days) kept: a club's coach flips through a few


class HistoryCache:
    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, date, bool], tuple[tuple[object, ...], History]] = OrderedDict()
        self._lock = threading.Lock()

    def get(
        self, session: DbSession, athlete: AthleteSettings, today: date, *, light: bool = False
    ) -> History:
        version = history_version(session, athlete.id)
        key = (athlete.id, today, light)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and hit[0] == version:
                self._items.move_to_end(key)
                return hit[1]
        history = build_history(session, athlete, today, light=light)
        with self._lock:
            self._items[key] = (version, history)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return history

    def warm(self, db: Sessions, athletes: Iterable[AthleteSettings], now: datetime) -> None:
        """Today's overview history of these athletes, built again where it changed (the daemon
        calls this after each pass): a runner opens the page right after a run lands."""
        for athlete in list(athletes)[: self.size]:
            with db() as session:
                self.get(session, athlete, now.astimezone(athlete.zone).date(), light=True)
