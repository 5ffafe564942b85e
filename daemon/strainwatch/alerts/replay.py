"""Replay a stored history day by day, exactly as daily live passes would have seen it.

Each day D is evaluated with only the runs dated up to D (the History is cut at D by
construction: rules read nothing later), findings are reconciled into alerts as the live
pass does, and the result lists each alert with the day it would have been raised.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from strainwatch.alerts.reconcile import AlertState, fingerprint, reconcile
from strainwatch.domain import Finding, Run, Severity
from strainwatch.metrics.history import AthleteFacts, History
from strainwatch.rules.base import Thresholds
from strainwatch.rules.registry import evaluate_day, period_rules

INJURY_LOOKBACK_DAYS = 28


@dataclass(frozen=True, slots=True)
class RaisedAlert:
    raised_on: date
    finding: Finding
    escalation: bool = False


@dataclass(slots=True)
class BacktestResult:
    first: date
    last: date
    alerts: list[RaisedAlert] = field(default_factory=list)

    def per_rule_per_year(self) -> dict[str, dict[int, Counter[str]]]:
        out: dict[str, dict[int, Counter[str]]] = {}
        for a in self.alerts:
            out.setdefault(a.finding.rule, {}).setdefault(a.raised_on.year, Counter())[
                a.finding.severity.label
            ] += 1
        return out

    def before_injury(self, start: date) -> RaisedAlert | None:
        """The earliest caution or warning in the 4 weeks before an injury."""
        earliest = start - timedelta(days=INJURY_LOOKBACK_DAYS)
        window = [
            a
            for a in self.alerts
            if earliest <= a.raised_on <= start and a.finding.severity >= Severity.CAUTION
        ]
        return min(window, key=lambda a: a.raised_on) if window else None


@dataclass(slots=True)
class Ledger:
    """Alerts as a day-by-day replay leaves them: what to write, and what happened when."""

    states: dict[str, AlertState]
    latest: dict[str, Finding] = field(default_factory=dict)  # newest finding per fingerprint
    created: dict[str, bool] = field(default_factory=dict)  # fingerprint -> late
    escalated: dict[str, Severity] = field(default_factory=dict)  # fingerprint -> severity before
    resolved: set[str] = field(default_factory=set)
    events: list[RaisedAlert] = field(default_factory=list)
    found: set[str] = field(default_factory=set)  # every fingerprint a replayed day found
    withdrawn: set[str] = field(default_factory=set)  # run alerts the replayed days no longer find


def replay_days(
    history: History,
    first: date,
    last: date,
    thresholds: Thresholds,
    ledger: Ledger,
    *,
    athlete_id: str,
    clock: Callable[[date], datetime],
    failed: dict[str, tuple[date, str]] | None = None,
) -> Ledger:
    """Evaluate each day from `first` to `last` as that day's pass would, updating `ledger`
    (`failed`: see `evaluate_day`)."""
    periods = period_rules(thresholds)
    starts = {r.activity_id: r.start for r in history.runs}
    day = first
    while day <= last:
        findings = evaluate_day(history, day, thresholds, failed)
        changes = reconcile(
            athlete_id,
            ledger.states,
            findings,
            today=day,
            period_rules=periods,
            activity_start=starts,
            now=clock(day),
        )
        for finding, late in changes.created:
            fp = fingerprint(athlete_id, finding)
            ledger.events.append(RaisedAlert(day, finding))
            ledger.states[fp] = AlertState(
                fp, finding.rule, finding.severity, finding.day, finding.rule in periods, True
            )
            ledger.latest[fp], ledger.created[fp] = finding, late
            ledger.resolved.discard(fp)
        for fp, finding, was in changes.escalated:
            ledger.events.append(RaisedAlert(day, finding, escalation=True))
            ledger.states[fp] = AlertState(
                fp, finding.rule, finding.severity, finding.day, finding.rule in periods, True
            )
            ledger.latest[fp] = finding
            ledger.escalated.setdefault(fp, was)
            ledger.resolved.discard(fp)
        for fp, finding in changes.refreshed:
            ledger.latest[fp] = finding
        for fp in changes.resolved:
            s = ledger.states[fp]
            ledger.states[fp] = AlertState(fp, s.rule, s.severity, s.day, s.is_period, False)
            ledger.resolved.add(fp)
        ledger.found.update(fingerprint(athlete_id, f) for f in findings)
        day += timedelta(days=1)
    _withdraw(ledger, first, last)
    return ledger


def _withdraw(ledger: Ledger, first: date, last: date) -> None:
    """An alert about a run of the replayed days that no replayed day found again has lost
    its basis (the run was corrected, cleaned or made a duplicate): withdrawn, and resolved
    if it was still active (one that had aged out stays in the history, marked)."""
    for fp, s in list(ledger.states.items()):
        if not s.is_period and first <= s.day <= last and fp not in ledger.found:
            ledger.states[fp] = AlertState(fp, s.rule, s.severity, s.day, s.is_period, False)
            ledger.resolved.add(fp)
            ledger.withdrawn.add(fp)


def replay(
    runs: Sequence[Run],
    facts: AthleteFacts,
    thresholds: Thresholds,
    *,
    since: date | None = None,
) -> BacktestResult:
    """Alerts a daily pass would have raised from `since` (default: the first run) on."""
    ordered = sorted(runs, key=lambda r: (r.start, r.activity_id))
    if not ordered:
        day = since or date.min
        return BacktestResult(day, day)
    last = ordered[-1].local_date
    history = History.build(ordered, last, facts)
    first = max(since or ordered[0].local_date, ordered[0].local_date)
    ledger = replay_days(
        history,
        first,
        last,
        thresholds,
        Ledger(states={}),
        athlete_id="backtest",
        clock=lambda day: datetime.combine(day, time(23, 59), UTC),
    )
    return BacktestResult(first, last, ledger.events)


def injury_report(result: BacktestResult, facts: AthleteFacts) -> list[dict[str, Any]]:
    """For each logged injury: did a caution or warning come in the 4 weeks before, and when."""
    out = []
    for injury in facts.injuries:
        before = result.before_injury(injury.start)
        out.append(
            {
                "injury_id": injury.id,
                "start": injury.start.isoformat(),
                "part": injury.part,
                "alert_before": before is not None,
                "days_before": (injury.start - before.raised_on).days if before else None,
                "rule": before.finding.rule if before else None,
            }
        )
    return out
