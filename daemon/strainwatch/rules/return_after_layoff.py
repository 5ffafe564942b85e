"""return-after-layoff: the first runs after 10 or more days without running.

The seed cases: a 10-day rest, then a full-volume return, then the calf. Green et al. 2022
(Sports Med Open 8:10): walk first, then walk-run, build gradually.
"""

from __future__ import annotations

from datetime import date, timedelta
from statistics import median

from strainwatch.domain import Finding, Run, Severity
from strainwatch.metrics.history import History
from strainwatch.rules.base import Rule, Thresholds, km, number
from strainwatch.rules.modifiers import run_modifiers

DEFAULTS = {"gap_days": 10.0, "first_run": 0.75, "first_week": 0.50, "baseline_days": 28.0}


def _return_start(h: History, day: date, gap_days: int) -> tuple[Run, Run] | None:
    """(first run back, last run before the gap) when `day` is in the first week back."""
    window = h.runs_between(day - timedelta(days=6), day)
    for run in window:
        before = h.previous_runs(run, 365)
        if before and (run.local_date - before[-1].local_date).days >= gap_days:
            return run, before[-1]
    return None


def evaluate(h: History, day: date, t: Thresholds) -> list[Finding]:
    settings = t.of(RULE.id)
    if not h.runs_on(day):
        return []
    found = _return_start(h, day, int(number(settings, "gap_days")))
    if found is None:
        return []
    first, last_before = found
    baseline_days = int(number(settings, "baseline_days"))
    pre = [
        r for r in h.previous_runs(first, 365) if (last_before.local_date - r.local_date).days < baseline_days
    ]
    if not pre:
        return []
    typical_run = median(r.distance_m for r in pre)
    typical_week = sum(r.distance_m for r in pre) / (baseline_days / 7)
    week_so_far = sum(r.distance_m for r in h.runs_between(first.local_date, day))
    gap = (first.local_date - last_before.local_date).days
    reasons = []
    if first.local_date == day and first.distance_m > number(settings, "first_run") * typical_run:
        reasons.append(
            f"first run back {km(first.distance_m)} is {first.distance_m / typical_run * 100:.0f} % "
            f"of your typical run ({km(typical_run)})"
        )
    if week_so_far > number(settings, "first_week") * typical_week:
        reasons.append(
            f"{km(week_so_far)} since coming back is {week_so_far / typical_week * 100:.0f} % "
            f"of your typical week ({km(typical_week)})"
        )
    if not reasons:
        return []
    today = h.runs_on(day)[-1]
    mods = run_modifiers(h, today, t)
    severity = Severity.WARNING if mods else Severity.CAUTION
    return [
        Finding(
            rule=RULE.id,
            severity=severity,
            day=day,
            period=f"return:{first.local_date.isoformat()}",
            title=f"Back after {gap} days off, at close to full volume",
            summary="; ".join(reasons),
            advice=(
                f"Walk first, then walk-run; keep this first week under "
                f"{typical_week * number(settings, 'first_week') / 1000:.0f} km and single runs under "
                f"{typical_run * number(settings, 'first_run') / 1000:.1f} km, "
                "with a rest day between runs."
            ),
            numbers={
                "gap_days": gap,
                "first_run_km": round(first.distance_m / 1000, 2),
                "typical_run_km": round(typical_run / 1000, 2),
                "week_so_far_km": round(week_so_far / 1000, 2),
                "typical_week_km": round(typical_week / 1000, 2),
            },
            activity_ids=tuple(r.activity_id for r in h.runs_between(first.local_date, day)),
            modifiers=tuple(mods),
        )
    ]


RULE = Rule(
    id="return-after-layoff",
    title="Coming back from a break at full volume",
    grade="C/D",
    citation="The 10-day rest then re-injury pattern in the seed cases; return-to-run "
    "consensus, Green et al. 2022, Sports Med Open 8:10",
    why="Tissues lose their tolerance within days of rest; the old volume is no longer the safe volume.",
    defaults=DEFAULTS,
    evaluate=evaluate,
    needs="runs in the 4 weeks before the break",
)
