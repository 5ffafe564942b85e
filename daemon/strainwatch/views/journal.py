"""What the runner wrote down, as the pages and commands read it: injuries, rules muted, and
the rows a write names (an alert to mark read, a run to note pain after or correct, an
injury to close); the writes themselves go through store.journal and store.overrides."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from strainwatch.store import journal
from strainwatch.store.models import Activity, Alert, Injury


def injuries_of(session: Session, athlete_ids: Sequence[str]) -> list[Injury]:
    """Logged injuries, the latest start first (the overview, `injury list`)."""
    query = select(Injury).where(Injury.athlete_id.in_(list(athlete_ids)))
    return list(session.scalars(query.order_by(Injury.start.desc(), Injury.id.desc())))


def mutes_of(session: Session, athlete_id: str, today: date) -> dict[str, date]:
    """rule -> the day its mute ends, for the mutes that hold on `today`."""
    return journal.active_mutes(session, [athlete_id], today).get(athlete_id, {})


def alert_row(session: Session, alert_id: int) -> Alert | None:
    return session.get(Alert, alert_id)


def activity_row(session: Session, activity_id: int) -> Activity | None:
    """None for a deleted activity too: nothing is written about it."""
    row = session.get(Activity, activity_id)
    return None if row is None or row.deleted else row


def injury_row(session: Session, injury_id: int) -> Injury | None:
    return session.get(Injury, injury_id)
