"""long-run-spike: this run against the longest single run of the previous 30 days.

Garmin-RUNSAFE (Frandsen et al. 2025, 5,205 runners, 588,071 sessions): a single session
10-30 % longer than the 30-day longest carried a hazard rate ratio of 1.64, 30-100 % 1.52,
and more than 100 % 2.28.
"""

from __future__ import annotations

from datetime import date

from strainwatch.domain import Finding, Run, Severity
from strainwatch.rules.base import Rule, Settings, km, number, pct
from strainwatch.rules.history import History

DEFAULTS = {
    "caution": 0.10,
    "high": 0.30,
    "warning": 1.00,
    "min_increase_km": 1.0,
    "window_days": 30.0,
    "min_history_days": 28.0,  # before that, "the longest run of 30 days" is not yet known
}


def spike_of(h: History, run: Run, settings: Settings | None) -> tuple[float, float] | None:
    """(increase as a fraction, the reference distance) when this run is a spike."""
    s = settings or DEFAULTS
    if not run.counts_for_spikes or h.index(run.local_date) < number(s, "min_history_days"):
        return None
    before = [r for r in h.previous_runs(run, int(number(s, "window_days"))) if r.counts_for_spikes]
    if not before:
        return None  # no run in 30 days: return-after-layoff speaks instead
    reference = max(r.distance_m for r in before)
    if reference <= 0:
        return None
    increase = run.distance_m / reference - 1
    if increase < number(s, "caution") or run.distance_m - reference < number(s, "min_increase_km") * 1000:
        return None
    return increase, reference


def evaluate(h: History, day: date, settings: Settings) -> list[Finding]:
    from strainwatch.rules.modifiers import run_modifiers
    from strainwatch.rules.speed_novelty import DEFAULTS as SPEED
    from strainwatch.rules.speed_novelty import is_novel_speed

    findings = []
    for run in h.runs_on(day):
        spike = spike_of(h, run, settings)
        if spike is None:
            continue
        increase, reference = spike
        band = "10-30 %" if increase < number(settings, "high") else "30-100 %"
        severity = Severity.CAUTION
        if increase > number(settings, "warning"):
            severity, band = Severity.WARNING, "more than double"
        mods = run_modifiers(h, run, speed_novelty=is_novel_speed(h, run, SPEED))
        if len(mods) >= 2:
            severity = Severity.WARNING
        ceiling = 1.10 * reference
        findings.append(
            Finding(
                rule=RULE.id,
                severity=severity,
                day=day,
                period=f"activity:{run.activity_id}",
                title=f"Long run {increase * 100:.0f}% above your 30-day longest",
                summary=(
                    f"{km(run.distance_m)} against your longest run of the previous 30 days, "
                    f"{km(reference)}: {pct(increase)} ({band})"
                ),
                advice=(
                    f"Keep the next runs under {km(ceiling)} (1.1 x your 30-day longest) and "
                    "take an easy or rest day before the next long run."
                ),
                numbers={
                    "distance_km": round(run.distance_m / 1000, 2),
                    "reference_km": round(reference / 1000, 2),
                    "increase_pct": round(increase * 100, 1),
                    "next_run_ceiling_km": round(ceiling / 1000, 2),
                },
                activity_ids=(run.activity_id,),
                modifiers=tuple(mods),
            )
        )
    return findings


RULE = Rule(
    id="long-run-spike",
    title="One run far longer than anything recent",
    grade="A-",
    citation="Frandsen et al. 2025, Br J Sports Med 59:1203 (Garmin-RUNSAFE): HRR 1.64 "
    "(10-30 %), 1.52 (30-100 %), 2.28 (> 100 %)",
    why="A single run much longer than your recent longest is the strongest load signal for injury.",
    defaults=DEFAULTS,
    evaluate=evaluate,
    needs="4 weeks of history and a run in the previous 30 days",
)
