"""Source health: per athlete and source, the last success and the last error of a pass.

Written by the pass (one short transaction each, so a failure elsewhere never rolls it
back), read by `doctor` and `status`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from strainwatch.store.db import unit_of_work
from strainwatch.store.models import SourceHealth

MAX_ERROR = 500  # characters kept of an error text


@dataclass(frozen=True, slots=True)
class Health:
    athlete: str
    source: str
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None

    @property
    def failing(self) -> bool:
        """The last attempt failed (an error newer than the last success)."""
        if self.last_error_at is None:
            return False
        return self.last_success_at is None or self.last_error_at >= self.last_success_at

    def as_json(self) -> dict[str, Any]:
        return {
            "last_success": self.last_success_at.isoformat() if self.last_success_at else None,
            "last_error_at": self.last_error_at.isoformat() if self.last_error_at else None,
            "last_error": self.last_error,
            "failing": self.failing,
        }

    def line(self) -> str:
        ok = f"{self.last_success_at:%Y-%m-%d %H:%M} UTC" if self.last_success_at else "never"
        text = f"last success {ok}"
        if self.last_error_at is not None:
            text += f"; last error {self.last_error_at:%Y-%m-%d %H:%M} UTC: {self.last_error}"
        return text


def record(
    sessions: sessionmaker[Session], athlete_id: str, source: str, now: datetime, error: str | None = None
) -> None:
    """A success (`error` None) or a failure of `source` for `athlete_id` at `now`."""
    with sessions() as session, unit_of_work(session):
        row = session.get(SourceHealth, (athlete_id, source))
        if row is None:
            row = SourceHealth(athlete_id=athlete_id, source=source)
            session.add(row)
        if error is None:
            row.last_success_at = now
        else:
            row.last_error_at, row.last_error = now, error[:MAX_ERROR]


def health_of(session: Session, athlete_id: str | None = None) -> list[Health]:
    query = select(SourceHealth).order_by(SourceHealth.athlete_id, SourceHealth.source)
    if athlete_id is not None:
        query = query.where(SourceHealth.athlete_id == athlete_id)
    return [
        Health(r.athlete_id, r.source, r.last_success_at, r.last_error_at, r.last_error)
        for r in session.scalars(query)
    ]
