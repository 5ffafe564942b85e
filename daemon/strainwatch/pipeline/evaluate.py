"""Evaluate an athlete's stored history and write the alert changes: the rules' adapter.

Each pass replays the days since the last evaluation exactly as the backtest does, so the
live alerts and the backtest's never disagree; a late upload is judged on its own day and
marked late.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from strainwatch.alerts.reconcile import AlertState
from strainwatch.config.settings import AthleteSettings
from strainwatch.domain import Finding, Severity
from strainwatch.metrics.history import History
from strainwatch.rules.base import Thresholds
from strainwatch.rules.registry import RULES
from strainwatch.store import models
from strainwatch.store.runs import facts_of, load_runs

if TYPE_CHECKING:
    from strainwatch.alerts.replay import Ledger

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    athlete: str
    created: int
    escalated: int
    resolved: int
    rule_failures: dict[str, str] = field(default_factory=dict)  # rule id -> "on DAY: error"


def evaluate_athlete(
    session: Session,
    athlete: AthleteSettings,
    thresholds: Thresholds,
    now: datetime,
) -> EvaluationResult:
    """Replay every day since the last evaluation (or the earliest changed run) up to today,
    exactly as the backtest does, and write the alerts that result.

    A first sync over months of history thus stores the alerts of that history, each marked
    late when its run was more than 72 hours old: listed, summed up in a digest, never sent
    one by one.
    """
    from strainwatch.alerts.replay import Ledger, replay_days

    today = now.astimezone(athlete.zone).date()
    runs = load_runs(session, athlete)
    if not runs:
        return EvaluationResult(athlete.id, 0, 0, 0)
    history = History.build(runs, today, facts_of(session, athlete))
    first = _first_day_to_evaluate(session, athlete, history, today)
    rows = {
        a.fingerprint: a
        for a in session.scalars(select(models.Alert).where(models.Alert.athlete_id == athlete.id))
    }
    states = {  # a withdrawn alert is no more: found again, it is new again
        fp: AlertState(fp, a.rule, Severity[a.severity.upper()], a.day, a.is_period, a.status == "active")
        for fp, a in rows.items()
        if not a.withdrawn
    }
    failed: dict[str, tuple[date, str]] = {}
    ledger = replay_days(
        history,
        first,
        today,
        thresholds,
        Ledger(states=states),
        athlete_id=athlete.id,
        clock=lambda _: now,
        failed=failed,
    )
    for rule_id, (day, error) in sorted(failed.items()):
        log.error("rule %s failed for %s on %s: %s (the other rules ran)", rule_id, athlete.id, day, error)
    # a broken rule found nothing: that must not resolve the alerts it raised before
    ledger.resolved -= {fp for fp in ledger.resolved if fp in rows and rows[fp].rule in failed}
    distances = {r.activity_id: r.distance_m for r in runs}
    write_ledger(session, athlete.id, rows, ledger, now, distances=distances)
    stored = session.get(models.Athlete, athlete.id)
    if stored is not None:
        stored.evaluated_on = today
    return EvaluationResult(
        athlete.id,
        len(ledger.created),
        len(ledger.escalated),
        len(ledger.resolved),
        {rule_id: f"on {day}: {error}" for rule_id, (day, error) in failed.items()},
    )


def _first_day_to_evaluate(session: Session, athlete: AthleteSettings, history: History, today: date) -> date:
    """The last evaluated day, or the earliest run changed since, or the first run ever."""
    stored = session.get(models.Athlete, athlete.id)
    first_run = history.runs[0].local_date if history.runs else today
    if stored is None or stored.evaluated_on is None:
        return first_run
    since = datetime.combine(stored.evaluated_on, datetime.min.time(), athlete.zone)
    changed = session.scalars(
        select(models.Activity.start_time).where(
            models.Activity.athlete_id == athlete.id, models.Activity.updated_at >= since
        )
    ).all()
    earliest = min((t.astimezone(athlete.zone).date() for t in changed), default=stored.evaluated_on)
    return max(first_run, min(earliest, stored.evaluated_on))


def _fill(alert: models.Alert, finding: Finding, distances: Mapping[int, float]) -> None:
    alert.severity = finding.severity.label
    alert.title, alert.summary, alert.advice = finding.title, finding.summary, finding.advice
    alert.numbers = dict(finding.numbers)
    alert.modifiers = list(finding.modifiers)
    alert.activity_ids = list(finding.activity_ids)
    alert.basis = {str(i): round(distances[i], 1) for i in finding.activity_ids if i in distances}


def write_ledger(
    session: Session,
    athlete_id: str,
    rows: dict[str, models.Alert],
    ledger: Ledger,
    now: datetime,
    *,
    distances: Mapping[int, float],
) -> None:
    """`distances`: each run's as it counts now, kept with its alerts (a withdrawal says
    what the run was)."""
    for fp, finding in ledger.latest.items():
        alert = rows.get(fp)
        if alert is None:
            alert = models.Alert(
                athlete_id=athlete_id,
                fingerprint=fp,
                rule=finding.rule,
                day=finding.day,
                period=finding.period,
                is_period=RULES[finding.rule].kind == "period",
                status="active",
                late=ledger.created.get(fp, False),
                created_at=now,
                updated_at=now,
            )
            session.add(alert)
            rows[fp] = alert
        elif fp in ledger.created:  # withdrawn before, and found again: news again
            alert.withdrawn, alert.status, alert.resolved_at = False, "active", None
            alert.late, alert.previous_severity = ledger.created[fp], None
            alert.digest_id = alert.mailed_severity = None
        elif fp in ledger.escalated:
            alert.previous_severity, alert.escalated_at = ledger.escalated[fp].label, now
            alert.status, alert.resolved_at = "active", None
            alert.digest_id = alert.mailed_severity = None  # what got worse is news again
        elif alert.severity == finding.severity.label and alert.numbers == dict(finding.numbers):
            if alert.basis is None:  # raised before 0016
                alert.basis = {str(i): round(distances[i], 1) for i in finding.activity_ids if i in distances}
            continue
        _fill(alert, finding, distances)
        alert.updated_at = now
    for fp in ledger.resolved:
        alert = rows[fp]
        if alert.status != "resolved":
            alert.status, alert.resolved_at, alert.updated_at = "resolved", now, now
        alert.withdrawn = fp in ledger.withdrawn
