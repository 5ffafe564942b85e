"""An API application's rate limits, counted in the database so that every process (the
daemon, `sync`, any number of workers on any machines) keeps the configured reserve together.

Before each request a process takes one unit in every known window with one conditional
UPDATE per window, all in one transaction: PostgreSQL's row locks (SQLite's single writer)
make the check and the increment one step, so N processes can never overshoot between them.
After each response the usage the server reports is merged in (the larger count wins: the
server also counts other clients of the application, our rows count requests still in
flight). Any rate-limited source can use it: it names its windows and when each one starts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from strainwatch.store.db import unit_of_work
from strainwatch.store.models import RateQuota


class _Refused(Exception):
    """A window would pass its share of the limit."""


WindowStart = Callable[[str, datetime], datetime]  # (window name, now) -> when that window began


class SharedQuota:
    """The usage of `source` (e.g. "strava") in the database; `window_start` says when each
    named window began at a given moment (Strava: the quarter hour, midnight UTC)."""

    def __init__(self, sessions: sessionmaker[Session], source: str, window_start: WindowStart) -> None:
        self.sessions, self.source, self.window_start = sessions, source, window_start

    def take(self, now: datetime, reserve_percent: int) -> bool:
        """Count one request in every window, unless one of them would then use more than
        (100 - reserve_percent) % of its limit; then count nothing and return False. Windows
        whose limit is not known yet (no response seen) do not hold a request back."""
        try:
            with self.sessions() as session, unit_of_work(session):
                self._take_all(session, now, reserve_percent)
        except _Refused:
            return False  # the transaction rolled back: the windows counted so far are given back
        return True

    def _take_all(self, session: Session, now: datetime, reserve_percent: int) -> None:
        names = session.scalars(
            select(RateQuota.window).where(RateQuota.source == self.source).order_by(RateQuota.window)
        ).all()
        for name in names:
            start = self.window_start(name, now)
            same = RateQuota.window_start == start
            result = session.execute(
                update(RateQuota)
                .where(
                    RateQuota.source == self.source,
                    RateQuota.window == name,
                    ~same | ((RateQuota.used + 1) * 100 <= RateQuota.limit * (100 - reserve_percent)),
                )
                .values(
                    used=case((same, RateQuota.used + 1), else_=1),
                    window_start=start,
                    updated_at=now,
                )
            )
            if getattr(result, "rowcount", 0) != 1:
                raise _Refused

    def observe(self, now: datetime, limits: Mapping[str, tuple[int, int]]) -> None:
        """Merge the server's report: `limits` maps each window to (limit, usage)."""
        if not limits:
            return
        with self.sessions() as session, unit_of_work(session):
            dialect = session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            greatest = func.greatest if dialect == "postgresql" else func.max
            for name, (limit, usage) in sorted(limits.items()):  # one order: no deadlock between processes
                start = self.window_start(name, now)
                row = {
                    "source": self.source,
                    "window": name,
                    "window_start": start,
                    "limit": limit,
                    "used": usage,
                    "updated_at": now,
                }
                statement = insert(RateQuota).values(row)
                current = RateQuota.__table__.c
                statement = statement.on_conflict_do_update(
                    index_elements=["source", "window"],
                    set_={
                        "limit": limit,
                        "used": case(
                            (current.window_start == start, greatest(current.used, usage)), else_=usage
                        ),
                        "window_start": start,
                        "updated_at": now,
                    },
                )
                session.execute(statement)

    def usage(self, now: datetime) -> dict[str, tuple[int, int]]:
        """Each window's (limit, used) as of `now` (a window that has turned counts 0)."""
        with self.sessions() as session:
            rows = session.scalars(select(RateQuota).where(RateQuota.source == self.source)).all()
            return {
                r.window: (r.limit, r.used if r.window_start == self.window_start(r.window, now) else 0)
                for r in rows
            }
