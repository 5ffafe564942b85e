"""One run as its page shows it: the stored activity, the alerts about it, the pain logged
after it and the runner's word about it (the profile comes from views.profile)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from strainwatch.store import overrides
from strainwatch.store.models import Activity, Alert, PainNote
from strainwatch.views.alert import alerts_about


@dataclass(frozen=True, slots=True)
class RunDetail:
    activity: Activity
    alerts: list[Alert]  # newest first
    notes: list[PainNote]  # as logged
    word: overrides.Override | None  # the runner's correction, if any
    can_crop: bool  # it has a recording that can be read (or fetched) again


def run_detail(session: Session, activity_id: int) -> RunDetail | None:
    """None when there is no such activity, or it was deleted."""
    row = session.get(Activity, activity_id)
    if row is None or row.deleted:
        return None
    notes = session.scalars(select(PainNote).where(PainNote.activity_id == row.id).order_by(PainNote.id))
    word = overrides.override_of(session, row)
    said = None
    if word is not None:
        said = overrides.Override(word.distance_m, word.running, word.crop_from, word.crop_to)
    return RunDetail(row, alerts_about(session, row), list(notes), said, overrides.cannot_crop(row) is None)
