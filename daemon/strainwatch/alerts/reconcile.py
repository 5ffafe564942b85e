"""From findings to alerts: fingerprints, escalation, resolution. Pure: no store, no clock.

An alert's fingerprint is (athlete, rule, the activity or period it is about), so the same
finding on the next pass is the same alert; a worse finding escalates it; a period alert
whose condition no longer holds on the evaluated day is resolved. An activity alert is
history, not a condition: it resolves once its day is `ACTIVITY_ALERT_DAYS` old.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from strainwatch.domain import Finding, Severity

ACTIVITY_ALERT_DAYS = 14
LATE_AFTER = timedelta(hours=72)


def _late(
    finding: Finding, period_rules: frozenset[str], activity_start: Mapping[int, datetime], now: datetime
) -> bool:
    """Found more than 72 hours after the fact: a backfill or a late import, not news."""
    if finding.rule in period_rules or not finding.activity_ids:
        end_of_day = datetime.combine(finding.day + timedelta(days=1), datetime.min.time(), now.tzinfo)
        return now - end_of_day > LATE_AFTER
    starts = [activity_start[i] for i in finding.activity_ids if i in activity_start]
    return bool(starts) and now - max(starts) > LATE_AFTER


def fingerprint(athlete_id: str, finding: Finding) -> str:
    return f"{athlete_id}:{finding.rule}:{finding.period}"


@dataclass(frozen=True, slots=True)
class AlertState:
    """What the store knows of one alert, enough to reconcile."""

    fingerprint: str
    rule: str
    severity: Severity
    day: date
    is_period: bool
    active: bool


@dataclass(slots=True)
class Changes:
    created: list[tuple[Finding, bool]] = field(default_factory=list)  # (finding, late)
    escalated: list[tuple[str, Finding, Severity]] = field(default_factory=list)  # fp, finding, was
    refreshed: list[tuple[str, Finding]] = field(default_factory=list)  # same alert, numbers now
    resolved: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.created or self.escalated or self.resolved)


def reconcile(
    athlete_id: str,
    existing: Mapping[str, AlertState],
    findings: Iterable[Finding],
    *,
    today: date,
    period_rules: frozenset[str],
    activity_start: Mapping[int, datetime],
    now: datetime,
) -> Changes:
    """What to write so the stored alerts reflect `findings`, evaluated as of `today`."""
    changes = Changes()
    seen: dict[str, Finding] = {}
    for finding in findings:
        fp = fingerprint(athlete_id, finding)
        if fp in seen and seen[fp].severity >= finding.severity:
            continue
        seen[fp] = finding
    for fp, finding in seen.items():
        state = existing.get(fp)
        if state is None:
            changes.created.append((finding, _late(finding, period_rules, activity_start, now)))
        elif finding.severity > state.severity:
            changes.escalated.append((fp, finding, state.severity))
        elif state.active:
            changes.refreshed.append((fp, finding))
    for fp, state in existing.items():
        if not state.active or fp in seen:
            continue
        condition_cleared = state.is_period and state.rule in period_rules and state.day <= today
        aged = not state.is_period and (today - state.day).days > ACTIVITY_ALERT_DAYS
        if condition_cleared or aged:
            changes.resolved.append(fp)
    return changes
