"""The web overview of one athlete: `status` (its JSON keys, unchanged) plus 26 weeks of
weekly distance with each week's longest run, the longest run of the trailing window at each
week's end, and fitness/fatigue/form along the same weeks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from strainwatch.alerts.weeks import Week, chart_end, weeks_to
from strainwatch.config.settings import AthleteSettings
from strainwatch.metrics.history import History
from strainwatch.rules.base import Thresholds
from strainwatch.store.models import Activity, Injury, PainNote
from strainwatch.store.runs import facts_of, load_light_runs, load_runs
from strainwatch.views.status import StatusReport, status_of_history

WEEKS = 26


@dataclass(frozen=True, slots=True)
class LoadPoint:
    day: date
    ctl: float
    atl: float
    tsb: float


@dataclass(slots=True)
class Overview:
    status: StatusReport
    weeks: list[Week]
    acwr_low: float
    acwr_high: float
    load: list[LoadPoint] = field(default_factory=list)
    charted_to: date | None = None  # set when the chart ends at the last run, long before the day

    def as_json(self) -> dict[str, Any]:
        """`status --json`'s keys, and what the page adds (keys are only ever added)."""
        return {
            **self.status.as_json(),
            "weeks_26": [
                {
                    "week": w.label,
                    "start": w.start.isoformat(),
                    "distance_km": round(w.km, 1),
                    "longest_km": round(w.longest_km, 1),
                    "window_longest_km": round(w.window_longest_km, 1),
                }
                for w in self.weeks
            ],
            "charted_to": None if self.charted_to is None else self.charted_to.isoformat(),
            "load_series": [
                {
                    "date": p.day.isoformat(),
                    "ctl": round(p.ctl, 1),
                    "atl": round(p.atl, 1),
                    "tsb": round(p.tsb, 1),
                }
                for p in self.load
            ],
        }


def build_history(session: Session, athlete: AthleteSettings, today: date, *, light: bool = False) -> History:
    """`light`: runs without words, pace profiles or gear (load_light_runs), enough for today's
    overview but not for the rules that an as-of overview replays."""
    runs = load_light_runs(session, athlete) if light else load_runs(session, athlete)
    return History.build(runs, today, facts_of(session, athlete))


def history_version(session: Session, athlete_id: str) -> tuple[object, ...]:
    """Changes whenever anything a History is built from changes: activities (added, edited,
    deleted), injuries (logged, closed) and pain notes. One cheap query per table."""
    a = session.execute(
        select(
            func.count(),
            func.max(Activity.updated_at),
            func.max(Activity.id),
            func.count(case((Activity.deleted, 1))),
            func.count(Activity.duplicate_of),
        ).where(Activity.athlete_id == athlete_id)
    ).one()
    i = session.execute(
        select(func.count(), func.max(Injury.id), func.count(Injury.closed), func.max(Injury.closed)).where(
            Injury.athlete_id == athlete_id
        )
    ).one()
    p = session.execute(
        select(func.count(), func.max(PainNote.id)).where(PainNote.athlete_id == athlete_id)
    ).one()
    return (*a, *i, *p)


def athlete_overview(
    session: Session,
    athlete: AthleteSettings,
    thresholds: Thresholds,
    now: datetime,
    *,
    as_of: date | None = None,
    history: History | None = None,
) -> Overview:
    """`as_of`: the overview of a past day (its alerts replayed, as `status --as-of`). A history
    that ended more than 26 weeks before the day is charted to its last run, so the chart
    shows running, not zeros (as the mail's chart does). A `history` given must be a full one
    for an as-of day (its alerts are replayed from the runs); a light one does for today."""
    today = as_of or now.astimezone(athlete.zone).date()
    h = history or build_history(session, athlete, today, light=as_of is None)
    status = status_of_history(session, athlete, thresholds, today, h, as_of=as_of)
    ended = chart_end(h, today, WEEKS)
    end = ended or today
    monday = end - timedelta(days=end.weekday())
    weeks = weeks_to(h, end, WEEKS, thresholds, today)
    load = []
    first = monday - timedelta(weeks=WEEKS - 1)
    for offset in range(0, (min(end + timedelta(days=6 - end.weekday()), today) - first).days + 1):
        day = first + timedelta(days=offset)
        i = h.index(day)
        if h.runs and 0 <= i < len(h.ctl):
            load.append(LoadPoint(day, h.ctl[i], h.atl[i], h.tsb[i]))
    return Overview(
        status=status,
        weeks=weeks,
        load=load,
        charted_to=ended,
        acwr_low=status.acwr_band[0],
        acwr_high=status.acwr_band[1],
    )
