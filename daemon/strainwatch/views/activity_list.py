"""Which activities a list shows: `activities` (every one, oldest first) and the web's
activity list (a page at a time, newest first), through one filter and one query. Neither
lists a deleted activity or a duplicate recording."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from strainwatch.store.models import Activity
from strainwatch.views.paging import PAGE_SIZE, Paged, offset_of


@dataclass(frozen=True, slots=True)
class ActivityFilter:
    """An empty value does not filter; days are the athlete's local days."""

    since: date | None = None
    until: date | None = None
    sport: str = ""
    text: str = ""  # in the name, any case


def _listed(athlete_id: str, zone: ZoneInfo, f: ActivityFilter) -> Select[Activity]:
    query = select(Activity).where(
        Activity.athlete_id == athlete_id, Activity.deleted.is_(False), Activity.duplicate_of.is_(None)
    )
    if f.since is not None:
        query = query.where(Activity.start_time >= datetime.combine(f.since, time(), zone))
    if f.until is not None:
        query = query.where(Activity.start_time < datetime.combine(f.until + timedelta(days=1), time(), zone))
    if f.sport:
        query = query.where(Activity.sport_type == f.sport)
    if f.text:
        escaped = f.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Activity.name.ilike(f"%{escaped}%", escape="\\"))
    return query


def activities_of(session: Session, athlete_id: str, zone: ZoneInfo, f: ActivityFilter) -> list[Activity]:
    """Every activity that passes the filter, oldest first (`activities`)."""
    query = _listed(athlete_id, zone, f).order_by(Activity.start_time, Activity.id)
    return list(session.scalars(query))


def activities_page(
    session: Session, athlete_id: str, zone: ZoneInfo, f: ActivityFilter, *, page: int, size: int = PAGE_SIZE
) -> Paged[Activity]:
    """One page of the activities that pass the filter, newest first (the web's list)."""
    query = _listed(athlete_id, zone, f)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    newest = query.order_by(Activity.start_time.desc(), Activity.id.desc())
    rows = session.scalars(newest.offset(offset_of(page, size)).limit(size))
    return Paged(list(rows), page, total, size)


def sports_of(session: Session, athlete_id: str) -> list[str]:
    """The sports the athlete has recorded, for the list's filter."""
    kinds = session.scalars(select(Activity.sport_type).where(Activity.athlete_id == athlete_id).distinct())
    return sorted(kinds)
