"""Queries and writes, each taking an open Session so callers own the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from strainwatch.store.dedup import KnownActivities, KnownRun, has_samples, recording_quality
from strainwatch.store.models import Activity, ActivityOverride, Athlete, ImportedFile


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
    """Every stored key (all athletes: keys are global), this athlete's runs and the keys
    the runner corrected."""
    known = KnownActivities()
    rows = session.execute(select(Activity.source, Activity.external_id, Activity.id, Activity.athlete_id))
    for source, external_id, activity_id, owner in rows:
        known.keys[(source, external_id)] = (activity_id, owner)
    spans = session.execute(
        select(*_RUN_COLUMNS).where(
            Activity.athlete_id == athlete_id, Activity.deleted.is_(False), Activity.duplicate_of.is_(None)
        )
    )
    for row in spans:
        run = _known_run(tuple(row))
        known.runs.append(run)
        known.longest = max(known.longest, run.span)
    known.runs.sort()
    corrected = session.execute(
        select(ActivityOverride.source, ActivityOverride.external_id).where(
            ActivityOverride.athlete_id == athlete_id
        )
    )
    known.corrected = {(source, external_id) for source, external_id in corrected}
    return known


_RUN_COLUMNS = (
    Activity.start_time,
    Activity.distance_m,
    Activity.id,
    Activity.source,
    Activity.external_id,
    Activity.elapsed_time_s,
    Activity.manual,
    Activity.avg_hr,
    Activity.has_gps,
    Activity.streams_state,
    Activity.file_id,
)


def _known_run(row: tuple[Any, ...]) -> KnownRun:
    """A row of `_RUN_COLUMNS` as a run to match others against."""
    start, distance, activity_id, source, external_id, elapsed, manual, hr, gps, streams, file_id = row
    began = start.timestamp()
    samples = has_samples(
        from_file=file_id is not None, manual=bool(manual), has_gps=bool(gps), streams_state=streams
    )
    quality = recording_quality(manual=bool(manual), heart_rate=hr is not None, samples=samples)
    origin = f"{source}: {external_id}"
    return KnownRun(began, distance, activity_id, origin, began + (elapsed or 0.0), quality)


def known_run(activity: Activity) -> KnownRun:
    """A stored activity as a run to match others against (store.dedup)."""
    return _known_run(tuple(getattr(activity, column.key) for column in _RUN_COLUMNS))


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


def link_duplicate(session: Session, counted_id: int, duplicate_id: int) -> None:
    """`duplicate_id` is now a duplicate of `counted_id`, and so is every activity that was
    a duplicate of it: one counted recording per run, whichever source brought it."""
    for row in session.scalars(select(Activity).where(Activity.duplicate_of == duplicate_id)):
        row.duplicate_of = counted_id
    loser = session.get_one(Activity, duplicate_id)
    loser.duplicate_of = counted_id


def duplicates_by_activity(session: Session, athlete_id: str) -> dict[int, list[Activity]]:
    """The recordings linked as duplicates, by the activity that counts."""
    out: dict[int, list[Activity]] = {}
    rows = session.scalars(
        select(Activity)
        .where(
            Activity.athlete_id == athlete_id, Activity.deleted.is_(False), Activity.duplicate_of.is_not(None)
        )
        .order_by(Activity.id)
    )
    for row in rows:
        out.setdefault(int(row.duplicate_of or 0), []).append(row)
    return out


def stored_since(
    session: Session, athlete_id: str, source: str, since: datetime
) -> list[tuple[str, datetime, dict[str, Any]]]:
    """The athlete's stored, not deleted recordings of `source` from `since` on (external id,
    start, raw): what a listing of that window must still hold."""
    rows = session.execute(
        select(Activity.external_id, Activity.start_time, Activity.raw).where(
            Activity.athlete_id == athlete_id,
            Activity.source == source,
            Activity.start_time >= since,
            Activity.deleted.is_(False),
        )
    )
    return [(key, start, raw) for key, start, raw in rows]


def mark_deleted(session: Session, activity: Activity, now: datetime) -> Activity | None:
    """A source deleted `activity`: a recording linked as its duplicate counts in its place
    (the run was still run; returned), the others become that one's duplicates."""
    activity.deleted, activity.updated_at = True, now
    if activity.duplicate_of is not None:
        return None
    twins = list(
        session.scalars(
            select(Activity)
            .where(Activity.duplicate_of == activity.id, Activity.deleted.is_(False))
            .order_by(Activity.id)
        )
    )
    if twins:
        heir, *rest = twins
        heir.duplicate_of, heir.updated_at = None, now
        for row in rest:
            row.duplicate_of = heir.id
        return heir
    return None
