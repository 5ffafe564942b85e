"""What the runner writes down: injuries, pain after a run, alerts taken in, rules muted for a
while. The web page and the commands both write through here, so both leave the same rows and
the next pass evaluates again (an injury or a pain note changes what the rules see)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from strainwatch.errors import StrainwatchError
from strainwatch.rules.registry import RULES
from strainwatch.store.models import Activity, Alert, Athlete, Injury, PainNote, RuleMute
from strainwatch.store.repository import ensure_athlete

INJURY_PARTS = ("calf", "soleus", "gastrocnemius", "achilles", "other")
NOTE_LIMIT = 2000
MUTE_DAYS = (1, 365)


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
    row = PainNote(
        athlete_id=activity.athlete_id, activity_id=activity.id, note=text, created_by=by, created_at=now
    )
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


def mute_rule(
    session: Session, athlete_id: str, name: str, rule: str, days: int, *, today: date, now: datetime
) -> RuleMute:
    """No mail or push about `rule` for `days` days from `today` (the athlete's local day);
    muting again replaces the end."""
    if rule not in RULES:
        raise StrainwatchError(f"unknown rule {rule[:40]!r}: one of {', '.join(RULES)}")
    low, high = MUTE_DAYS
    if not low <= days <= high:
        raise StrainwatchError(f"mute for {low} to {high} days, not {days}")
    ensure_athlete(session, athlete_id, name, now)
    session.flush()
    until = today + timedelta(days=days)
    row = session.get(RuleMute, (athlete_id, rule))
    if row is None:
        row = RuleMute(athlete_id=athlete_id, rule=rule, until=until, created_at=now)
        session.add(row)
    else:
        row.until, row.created_at = until, now
    session.flush()
    return row


def unmute_rule(session: Session, athlete_id: str, rule: str, today: date) -> bool:
    """False when the rule was not muted for this athlete on `today`."""
    if rule not in RULES:
        raise StrainwatchError(f"unknown rule {rule[:40]!r}: one of {', '.join(RULES)}")
    row = session.get(RuleMute, (athlete_id, rule))
    if row is None:
        return False
    session.delete(row)
    return today < row.until


def active_mutes(session: Session, athlete_ids: list[str], today: date) -> dict[str, dict[str, date]]:
    """athlete -> rule -> until, for the mutes that hold on `today`."""
    out: dict[str, dict[str, date]] = {}
    rows = session.scalars(
        select(RuleMute).where(RuleMute.athlete_id.in_(athlete_ids), RuleMute.until > today)
    )
    for row in rows:
        out.setdefault(row.athlete_id, {})[row.rule] = row.until
    return out
