"""The training plan checked on every pass: read the athlete's plan sources, forecast with the
rules, keep the next days for the web page, remember what the runner was told and queue the
look-ahead or the plan mail (notify/plan_mail.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from strainwatch.alerts.forecast import HORIZON_DAYS, Outlook, Unparsed, forecast
from strainwatch.pipeline.plans import plans_of, read_plans
from strainwatch.store.runs import facts_of, load_runs

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from strainwatch.config.settings import AthleteSettings, Settings
    from strainwatch.sources.plan.base import PlanReading


@dataclass(slots=True)
class PlanCheck:
    outlook: Outlook
    unparsed: list[Unparsed] = field(default_factory=list)
    not_runs: int = 0
    problems: list[str] = field(default_factory=list)  # plan sources that could not be read
    ran_today: bool = False  # a real run is recorded today: today's planned run is over


def read_plan(
    settings: Settings, athlete: AthleteSettings, now: datetime, today: date | None = None
) -> tuple[PlanReading, list[str]]:
    """Every plan source's entries around the next 14 days from `today` (default: `now`'s local
    date), and a line for each source that could not be read."""
    today = today or now.astimezone(athlete.zone).date()
    return read_plans(settings, athlete, today - timedelta(days=1), today + timedelta(days=HORIZON_DAYS), now)


def check_plan(
    session: Session,
    settings: Settings,
    athlete: AthleteSettings,
    now: datetime,
    today: date | None = None,
    *,
    read: tuple[PlanReading, list[str]] | None = None,
) -> PlanCheck:
    """The forecasts of the next 14 days from `today` (default: `now`'s local date; a past day
    sees only the runs up to it); `read`: the plan already read (`read_plan`)."""
    today = today or now.astimezone(athlete.zone).date()
    reading, problems = read or read_plan(settings, athlete, now, today)
    runs = [r for r in load_runs(session, athlete) if r.local_date <= today]
    outlook = forecast(
        runs,
        facts_of(session, athlete),
        settings.thresholds(athlete),
        reading.planned,
        today=today,
        zone=athlete.zone,
    )
    ran_today = any(r.is_running and r.local_date == today for r in runs)
    return PlanCheck(outlook, reading.unparsed, reading.not_runs, problems, ran_today)


def check_and_mail(
    sessions: sessionmaker[Session], settings: Settings, athlete: AthleteSettings, now: datetime
) -> tuple[PlanCheck, list[str]]:
    """A pass's plan check: the forecasts recorded and the plan mail queued, in one transaction
    (the plan is read before it: a slow calendar holds no transaction open); the subjects
    queued. While a plan source cannot be read nothing is recorded or mailed: its runs are
    unknown, not removed, so no forecast is withdrawn for it."""
    from strainwatch.notify.plan_mail import queue_plan_mail
    from strainwatch.store.db import unit_of_work

    read = read_plan(settings, athlete, now)
    with sessions() as session, unit_of_work(session):
        checked = check_plan(session, settings, athlete, now, read=read)
        if checked.problems:
            return checked, []
        save_outlook(session, athlete.id, checked.outlook, now)
        subjects = queue_plan_mail(
            session, settings, athlete, checked.outlook, ran_today=checked.ran_today, now=now
        )
    return checked, subjects


def has_plan(settings: Settings, athlete: AthleteSettings) -> bool:
    return bool(plans_of(settings, athlete))


def save_outlook(session: Session, athlete_id: str, outlook: Outlook, now: datetime) -> None:
    """The plan's next days as this pass read them, for the web page."""
    from strainwatch.store.models import PlanOutlook
    from strainwatch.views.plan import planned_json

    stored = session.get(PlanOutlook, athlete_id)
    if stored is None:
        stored = PlanOutlook(athlete_id=athlete_id)
        session.add(stored)
    stored.checked_on, stored.updated_at = outlook.today, now
    stored.planned = [planned_json(p) for p in outlook.planned]
