"""What the runner writes down: injuries, pain after a run, alerts taken in. The web page and
the commands both write through here, so both leave the same rows and the next pass
evaluates again (an injury or a pain note changes what the rules see)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from strainwatch.errors import StrainwatchError
from strainwatch.store.models import Activity, Alert, Athlete, Injury, PainNote
from strainwatch.store.repository import ensure_athlete

INJURY_PARTS = ("calf", "soleus", "gastrocnemius", "achilles", "other")
NOTE_LIMIT = 2000


def _stale(session: Session, athlete_id: str) -> None:
    """The next pass evaluates this athlete's history again."""
    stored = session.get(Athlete, athlete_id)
    if stored is not None:
        stored.evaluated_on = None


def _note(text: str | None) -> str | None:
    text = (text or "").strip()
    return text[:NOTE_LIMIT] or None


def log_injury(
    session: Session, athlete_id: str, name: str, *, start: date, part: str, note: str | None, now: datetime
) -> Injury:
    if part not in INJURY_PARTS:
        raise StrainwatchError(f"unknown body part {part[:40]!r}: one of {', '.join(INJURY_PARTS)}")
    ensure_athlete(session, athlete_id, name, now)
    session.flush()
    row = Injury(athlete_id=athlete_id, start=start, part=part, note=_note(note), created_at=now)
    session.add(row)
    session.flush()
    _stale(session, athlete_id)
    return row


def close_injury(session: Session, injury: Injury, closed: date) -> None:
    if closed < injury.start:
        raise StrainwatchError(f"injury #{injury.id} started {injury.start}: it cannot close before that")
    injury.closed = closed
    _stale(session, injury.athlete_id)


def add_pain_note(session: Session, activity: Activity, note: str, by: str | None, now: datetime) -> PainNote:
    text = _note(note)
    if text is None:
        raise StrainwatchError("the pain note is empty")
    row = PainNote(athlete_id=activity.athlete_id, activity_id=activity.id, note=text,
                   created_by=by, created_at=now)  # fmt: skip
    session.add(row)
    session.flush()
    _stale(session, activity.athlete_id)
    return row


def acknowledge(alert: Alert, by: str, now: datetime) -> bool:
    """Mark the alert taken in; False when it already was (the first acknowledgement stays)."""
    if alert.acknowledged_at is not None:
        return False
    alert.acknowledged_at, alert.acknowledged_by = now, by[:64]
    return True
