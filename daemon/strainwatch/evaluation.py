"""Evaluate an athlete's stored history and write the alert changes: the rules' adapter.

Activity rules look at the runs of the last 7 days (a late upload is still judged, and
marked late); period rules judge the state of `today` only, as a daily pass would.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from strainwatch.alerting import AlertState, Changes, fingerprint, reconcile
from strainwatch.config import AthleteSettings
from strainwatch.domain import Finding, Injury, Run, Severity, Shoe
from strainwatch.rules.history import AthleteFacts, History
from strainwatch.rules.registry import RULES
from strainwatch.store import models

ACTIVITY_WINDOW_DAYS = 7


def run_of(activity: models.Activity, zone: ZoneInfo) -> Run:
    text = " \n".join(t for t in (activity.name, activity.description, activity.private_note) if t)
    profile = tuple(sorted((int(k), float(v)) for k, v in activity.gap_profile.items()))
    return Run(
        activity_id=activity.id, start=activity.start_time,
        local_date=activity.start_time.astimezone(zone).date(), sport_type=activity.sport_type,
        distance_m=activity.distance_m, moving_time_s=activity.moving_time_s,
        gap_s_per_km=activity.gap_s_per_km, ascent_m=activity.ascent_m, descent_m=activity.descent_m,
        avg_hr=activity.avg_hr, gap_profile=profile, text=text, gear=activity.gear,
        trainer=activity.trainer, manual=activity.manual,
    )  # fmt: skip


def facts_of(session: Session, athlete: AthleteSettings) -> AthleteFacts:
    injuries = session.scalars(select(models.Injury).where(models.Injury.athlete_id == athlete.id))
    return AthleteFacts(
        birth_year=athlete.birth_year,
        injuries=tuple(Injury(i.id, i.start, i.part, i.closed, i.note) for i in injuries),
        shoes=tuple(Shoe(s.name, tuple(s.tags), s.since) for s in athlete.shoes),
    )


def load_runs(session: Session, athlete: AthleteSettings) -> list[Run]:
    activities = session.scalars(
        select(models.Activity).where(
            models.Activity.athlete_id == athlete.id, models.Activity.deleted.is_(False)
        )
    )
    return [run_of(a, athlete.zone) for a in activities]


def findings_as_of(
    history: History, today: date, thresholds: Mapping[str, Mapping[str, Any]], activity_days: int
) -> list[Finding]:
    """Activity rules over the last `activity_days`, period rules for `today`."""
    found: list[Finding] = []
    for rule_id, settings in thresholds.items():
        rule = RULES[rule_id]
        days = 1 if rule.kind == "period" else activity_days
        for offset in range(days - 1, -1, -1):
            found.extend(rule.evaluate(history, today - timedelta(days=offset), settings))
    return found


def period_rules(thresholds: Iterable[str]) -> frozenset[str]:
    return frozenset(r for r in thresholds if RULES[r].kind == "period")


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    athlete: str
    created: int
    escalated: int
    resolved: int


def evaluate_athlete(
    session: Session, athlete: AthleteSettings, thresholds: Mapping[str, Mapping[str, Any]], now: datetime
) -> EvaluationResult:
    """Run the rules as of `now` and write created, escalated and resolved alerts."""
    today = now.astimezone(athlete.zone).date()
    runs = load_runs(session, athlete)
    history = History.build(runs, today, facts_of(session, athlete))
    findings = findings_as_of(history, today, thresholds, ACTIVITY_WINDOW_DAYS)
    rows = {
        a.fingerprint: a
        for a in session.scalars(select(models.Alert).where(models.Alert.athlete_id == athlete.id))
    }
    states = {
        fp: AlertState(fp, a.rule, Severity[a.severity.upper()], a.day, a.is_period, a.status == "active")
        for fp, a in rows.items()
    }
    starts = {r.activity_id: r.start for r in runs}
    changes = reconcile(
        athlete.id, states, findings, today=today, period_rules=period_rules(thresholds),
        activity_start=starts, now=now,
    )  # fmt: skip
    write_changes(session, athlete.id, rows, changes, now)
    stored = session.get(models.Athlete, athlete.id)
    if stored is not None:
        stored.evaluated_on = today
    return EvaluationResult(athlete.id, len(changes.created), len(changes.escalated), len(changes.resolved))


def _fill(alert: models.Alert, finding: Finding) -> None:
    alert.severity = finding.severity.label
    alert.title, alert.summary, alert.advice = finding.title, finding.summary, finding.advice
    alert.numbers = dict(finding.numbers)
    alert.modifiers = list(finding.modifiers)
    alert.activity_ids = list(finding.activity_ids)


def write_changes(
    session: Session, athlete_id: str, rows: dict[str, models.Alert], changes: Changes, now: datetime
) -> None:
    for finding, late in changes.created:
        alert = models.Alert(
            athlete_id=athlete_id, fingerprint=fingerprint(athlete_id, finding), rule=finding.rule,
            day=finding.day, period=finding.period, is_period=RULES[finding.rule].kind == "period",
            status="active", late=late, created_at=now, updated_at=now,
        )  # fmt: skip
        _fill(alert, finding)
        session.add(alert)
    for fp, finding, was in changes.escalated:
        alert = rows[fp]
        _fill(alert, finding)
        alert.previous_severity, alert.escalated_at, alert.updated_at = was.label, now, now
        alert.status, alert.resolved_at = "active", None
    for fp, finding in changes.refreshed:
        alert = rows[fp]
        if alert.severity == finding.severity.label and alert.numbers != dict(finding.numbers):
            _fill(alert, finding)
            alert.updated_at = now
    for fp in changes.resolved:
        alert = rows[fp]
        alert.status, alert.resolved_at, alert.updated_at = "resolved", now, now
