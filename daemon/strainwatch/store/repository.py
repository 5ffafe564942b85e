"""Queries and writes, each taking an open Session so callers own the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from strainwatch.store.dedup import KnownActivities, KnownRun, has_samples, recording_quality
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
            Activity.start_time, Activity.distance_m, Activity.id, Activity.source, Activity.external_id,
            Activity.elapsed_time_s, Activity.manual, Activity.avg_hr, Activity.has_gps,
            Activity.streams_state,
        ).where(
            Activity.athlete_id == athlete_id, Activity.deleted.is_(False), Activity.duplicate_of.is_(None)
        )
    )  # fmt: skip
    for start, distance, activity_id, source, external_id, elapsed, manual, hr, gps, streams in spans:
        began = start.timestamp()
        samples = has_samples(source, manual=bool(manual), has_gps=bool(gps), streams_state=streams)
        quality = recording_quality(manual=bool(manual), heart_rate=hr is not None, samples=samples)
        origin = f"{source}: {external_id}"
        run = KnownRun(began, distance, activity_id, origin, began + (elapsed or 0.0), quality)
        known.runs.append(run)
        known.longest = max(known.longest, run.span)
    known.runs.sort()
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
        select(Activity).where(
            Activity.athlete_id == athlete_id, Activity.deleted.is_(False), Activity.duplicate_of.is_not(None)
        ).order_by(Activity.id)
    )
    for row in rows:
        out.setdefault(int(row.duplicate_of or 0), []).append(row)
    return out


def add_recording(session: Session, known: KnownActivities, key: tuple[str, str], activity: Activity) -> bool:
    """Store a new activity from an API source under the one duplicate rule (store.dedup):
    linked as the duplicate of a stored recording of the same run, or counted in its place
    when it is the better one. True when it counts as a new run."""
    start = activity.start_time.timestamp()
    end = start + (activity.elapsed_time_s or 0.0)
    samples = has_samples(
        activity.source, manual=bool(activity.manual), has_gps=bool(activity.has_gps),
        streams_state=activity.streams_state,
    )  # fmt: skip
    heart = activity.avg_hr is not None
    quality = recording_quality(manual=bool(activity.manual), heart_rate=heart, samples=samples)
    twin = known.same_run(start, activity.distance_m, end)
    better = twin is not None and twin.activity_id is not None and quality > twin.quality
    activity.duplicate_of = twin.activity_id if twin is not None and not better else None
    session.add(activity)
    session.flush()
    run = KnownRun(start, activity.distance_m, activity.id, f"{key[0]}: {key[1]}", end, quality)
    if twin is None:
        known.add(key, activity.athlete_id, run)
    elif better and twin.activity_id is not None:
        link_duplicate(session, activity.id, twin.activity_id)
        known.replace(twin, key, activity.athlete_id, run)
    else:
        known.keys[key] = (activity.id, activity.athlete_id)  # a duplicate: its key is known, not its run
    return twin is None


def mark_deleted(session: Session, activity: Activity, now: datetime) -> None:
    """A source deleted `activity`: a recording linked as its duplicate counts in its place
    (the run was still run), the others become that one's duplicates."""
    activity.deleted, activity.updated_at = True, now
    if activity.duplicate_of is not None:
        return
    twins = list(session.scalars(
        select(Activity).where(Activity.duplicate_of == activity.id, Activity.deleted.is_(False))
        .order_by(Activity.id)
    ))  # fmt: skip
    if twins:
        heir, *rest = twins
        heir.duplicate_of, heir.updated_at = None, now
        for row in rest:
            row.duplicate_of = heir.id
