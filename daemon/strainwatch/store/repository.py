"""Queries and writes, each taking an open Session so callers own the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from strainwatch.store.models import Activity, Athlete, ImportedFile

DUPLICATE_START_WINDOW = timedelta(seconds=60)
DUPLICATE_DISTANCE_TOLERANCE = 0.02


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


def activity_by_key(session: Session, source: str, external_id: str) -> Activity | None:
    return session.scalars(
        select(Activity).where(Activity.source == source, Activity.external_id == external_id)
    ).one_or_none()


def find_duplicate(
    session: Session,
    athlete_id: str,
    start_time: datetime,
    distance_m: float,
    exclude: tuple[str, str],
) -> Activity | None:
    """The same run stored under another key: start within 60 s, distance within 2 %."""
    candidates = session.scalars(
        select(Activity).where(
            Activity.athlete_id == athlete_id,
            Activity.deleted.is_(False),
            Activity.start_time >= start_time - DUPLICATE_START_WINDOW,
            Activity.start_time <= start_time + DUPLICATE_START_WINDOW,
            or_(Activity.source != exclude[0], Activity.external_id != exclude[1]),
        )
    )
    for candidate in candidates:
        largest = max(candidate.distance_m, distance_m)
        if (
            largest == 0
            or abs(candidate.distance_m - distance_m) <= DUPLICATE_DISTANCE_TOLERANCE * largest
        ):
            return candidate
    return None


def list_activities(
    session: Session,
    athlete_ids: Sequence[str] | None = None,
    since: datetime | None = None,
    include_deleted: bool = False,
) -> list[Activity]:
    conditions: list[ColumnElement[bool]] = []
    if athlete_ids is not None:
        conditions.append(Activity.athlete_id.in_(athlete_ids))
    if since is not None:
        conditions.append(Activity.start_time >= since)
    if not include_deleted:
        conditions.append(Activity.deleted.is_(False))
    query = select(Activity).where(and_(*conditions)).order_by(Activity.start_time, Activity.id)
    return list(session.scalars(query))


def failing_files(session: Session, athlete_ids: Sequence[str]) -> list[ImportedFile]:
    return list(
        session.scalars(
            select(ImportedFile)
            .where(
                ImportedFile.athlete_id.in_(athlete_ids),
                ImportedFile.status.in_(("failed", "unusable")),
            )
            .order_by(ImportedFile.path)
        )
    )
