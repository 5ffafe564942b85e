"""Queries and writes, each taking an open Session so callers own the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from strainwatch.store.dedup import KnownActivities, KnownRun
from strainwatch.store.models import Activity, Athlete, ImportedFile


def ensure_athlete(session: Session, athlete_id: str, name: str, now: datetime) -> None:
    athlete = session.get(Athlete, athlete_id)
    if athlete is None:
        session.add(Athlete(id=athlete_id, name=name, created_at=now))
    elif athlete.name != name:
        athlete.name = name


def file_records(session: Session, athlete_id: str) -> dict[str, ImportedFile]:
    """Every file record of an athlete by path: one query instead of one per file."""
    rows = session.scalars(select(ImportedFile).where(ImportedFile.athlete_id == athlete_id))
    return {row.path: row for row in rows}


def known_activities(session: Session, athlete_id: str) -> KnownActivities:
    """Every stored key (all athletes: keys are global) and this athlete's runs."""
    known = KnownActivities()
    rows = session.execute(select(Activity.source, Activity.external_id, Activity.id, Activity.athlete_id))
    for source, external_id, activity_id, owner in rows:
        known.keys[(source, external_id)] = (activity_id, owner)
    spans = session.execute(
        select(
            Activity.start_time,
            Activity.distance_m,
            Activity.id,
            Activity.source,
            Activity.external_id,
        ).where(
            Activity.athlete_id == athlete_id, Activity.deleted.is_(False), Activity.duplicate_of.is_(None)
        )
    )
    known.runs = sorted(
        KnownRun(start.timestamp(), distance, activity_id, f"{source}: {external_id}")
        for start, distance, activity_id, source, external_id in spans
    )
    return known


def list_activities(
    session: Session,
    athlete_ids: Sequence[str] | None = None,
    since: datetime | None = None,
) -> list[Activity]:
    """The athletes' activities, oldest first: neither deleted ones nor duplicates."""
    conditions: list[ColumnElement[bool]] = []
    if athlete_ids is not None:
        conditions.append(Activity.athlete_id.in_(athlete_ids))
    if since is not None:
        conditions.append(Activity.start_time >= since)
    conditions.append(Activity.deleted.is_(False))
    conditions.append(Activity.duplicate_of.is_(None))
    query = select(Activity).where(and_(*conditions)).order_by(Activity.start_time, Activity.id)
    return list(session.scalars(query))
