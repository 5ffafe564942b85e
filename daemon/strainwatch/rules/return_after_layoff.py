"""return-after-layoff: the first runs after 10 or more days without running.

The seed cases: a 10-day rest, then a full-volume return, then the calf. Green et al. 2022
(Sports Med Open 8:10): walk first, then walk-run, build gradually.
"""

from __future__ import annotations

from datetime import date

from strainwatch.domain import Finding, Severity
from strainwatch.metrics.history import History
from strainwatch.rules.base import Rule, Thresholds, km, number
from strainwatch.rules.ceilings import advised, comeback, limit_sentence, strictest
from strainwatch.rules.modifiers import run_modifiers

DEFAULTS = {"gap_days": 10.0, "first_run": 0.75, "first_week": 0.50, "baseline_days": 28.0}


def evaluate(h: History, day: date, t: Thresholds) -> list[Finding]:
    settings = t.of(RULE.id)
    if not h.runs_on(day):
        return []
    back = comeback(h, day, settings)
    if back is None:
        return []
    first, typical_run, typical_week = back.first, back.typical_run_m, back.typical_week_m
    week_so_far = sum(r.distance_m for r in h.runs_between(first.local_date, day))
    gap = back.gap_days
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
    limits = advised(h, day, t)
    run, week = strictest(limits, "run"), strictest(limits, "week")
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
                "Walk first, then walk-run; keep this first week under "
                f"{limit_sentence(week) if week else km(back.week_limit_m)} and single runs under "
                f"{limit_sentence(run) if run else km(back.run_limit_m)}, with a rest day between runs."
            ),
            numbers={
                "gap_days": gap,
                "first_run_km": round(first.distance_m / 1000, 2),
                "typical_run_km": round(typical_run / 1000, 2),
                "week_so_far_km": round(week_so_far / 1000, 2),
                "typical_week_km": round(typical_week / 1000, 2),
                "next_run_ceiling_km": None if run is None else round(run.metres / 1000, 2),
                "next_week_ceiling_km": None if week is None else round(week.metres / 1000, 2),
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
    notes={
        "gap_days": "days without a run that make a break",
        "first_run": "the first run back above this fraction of your typical run",
        "first_week": "or the days back above this fraction of your typical week",
        "baseline_days": "the days before the break your typical run and week come from",
    },
    fires=(
        "after ≥ {gap_days} days off, a first run > {first_run_pct} % of your typical run or a "
        "first week > {first_week_pct} % of your typical week"
    ),
)
