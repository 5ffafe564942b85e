"""rehab-mode: after a logged calf injury, until it is closed.

Green et al. 2022: no consecutive days at first, never progress volume and intensity
together, avoid spikes. Typical time lost: soleus ~25 days, gastrocnemius 8-19 days,
with wide variance (Green et al. 2020, Scand J Med Sci Sports 30:174).
"""

from __future__ import annotations

from datetime import date, timedelta

from strainwatch.domain import Finding, Severity
from strainwatch.metrics.history import History
from strainwatch.rules.base import Rule, Thresholds, about_run
from strainwatch.rules.signals import is_spike

DEFAULTS: dict[str, float | tuple[str, ...]] = {}


def evaluate(h: History, day: date, t: Thresholds) -> list[Finding]:
    injury = next((i for i in h.facts.injuries if i.is_calf and i.open_on(day)), None)
    if injury is None:
        return []
    findings = []
    for run in h.runs_on(day):
        previous = h.previous_runs(run, 60)
        previous = [r for r in previous if r.local_date >= injury.start]
        reasons = []
        if h.runs_on(day - timedelta(days=1)):
            reasons.append("runs on consecutive days")
        if previous:
            last = previous[-1]
            if (
                run.distance_m > last.distance_m
                and run.gap_s_per_km
                and last.gap_s_per_km
                and run.gap_s_per_km < last.gap_s_per_km
            ):
                reasons.append("longer and faster than the previous run")
        if is_spike(h, run, t):
            reasons.append("a distance spike")
        if reasons:
            findings.append(
                about_run(
                    RULE.id,
                    Severity.CAUTION,
                    day,
                    run,
                    title=f"Rehab ({injury.part}, since {injury.start}): {reasons[0]}",
                    summary="; ".join(reasons),
                    advice=(
                        "While the injury heals: a rest day between runs, and change either "
                        "distance or pace, never both. Close it with `strainwatch injury close`."
                    ),
                    numbers={
                        "injury_id": injury.id,
                        "days_since_injury": (day - injury.start).days,
                    },
                )
            )
    return findings


RULE = Rule(
    id="rehab-mode",
    title="Returning from a calf injury",
    grade="C",
    citation=(
        "Green et al. 2022, Sports Med Open 8:10; time lost: Green et al. 2020, Scand J Med Sci Sports 30:174"
    ),
    why="A healing calf tolerates neither back-to-back days nor volume and speed rising together.",
    defaults=DEFAULTS,
    evaluate=evaluate,
    needs="an open calf injury (strainwatch injury add)",
    fires=(
        "while a logged calf injury is open: consecutive running days, longer *and* faster than the"
        " previous run, any spike"
    ),
)
