"""long-run-spike: this run against the longest single run of the previous 30 days.

Garmin-RUNSAFE (Frandsen et al. 2025, 5,205 runners, 588,071 sessions): a single session
10-30 % longer than the 30-day longest carried a hazard rate ratio of 1.64, 30-100 % 1.52,
and more than 100 % 2.28.
"""

from __future__ import annotations

from datetime import date

from strainwatch.domain import Finding, Severity
from strainwatch.metrics.history import History
from strainwatch.rules.base import Rule, Thresholds, about_run, km, number, pct
from strainwatch.rules.ceilings import advised, limit_sentence, strictest
from strainwatch.rules.modifiers import run_modifiers
from strainwatch.rules.signals import SPEED, is_novel_speed, spike_of

DEFAULTS = {
    "caution": 0.10,
    "high": 0.30,
    "warning": 1.00,
    "min_increase_km": 1.0,
    "window_days": 30.0,
    "min_history_days": 28.0,  # before that, "the longest run of 30 days" is not yet known
    "next_run_factor": 1.1,  # the ceiling for the next run: x the 30-day longest (also in status)
}


def evaluate(h: History, day: date, t: Thresholds) -> list[Finding]:
    settings = t.of(RULE.id)
    findings = []
    for run in h.runs_on(day):
        spike = spike_of(h, run, settings)
        if spike is None:
            continue
        increase, reference = spike
        low, high, top = (f"{number(settings, k) * 100:.0f}" for k in ("caution", "high", "warning"))
        lower, upper = (low, high) if increase < number(settings, "high") else (high, top)
        band = f"the +{lower}-{upper} % band"
        severity = Severity.CAUTION
        if increase > number(settings, "warning"):
            severity, band = Severity.WARNING, f"more than +{top} %"
        mods = run_modifiers(h, run, t, speed_novelty=is_novel_speed(h, run, t.of(SPEED)))
        if len(mods) >= 2:
            severity = Severity.WARNING
        limit = strictest(advised(h, day, t), "run")
        ceiling = limit.metres if limit is not None else number(settings, "next_run_factor") * reference
        days = int(number(settings, "window_days"))
        findings.append(
            about_run(
                RULE.id,
                severity,
                day,
                run,
                title=f"Long run {increase * 100:.0f}% above your {days}-day longest",
                summary=(
                    f"{km(run.distance_m)}, {pct(increase)} over your longest run of the previous {days} "
                    f"days ({km(reference)}): {band}; a caution from +{low} %, a warning from +{top} %"
                ),
                advice=(
                    f"Keep the next runs under {limit_sentence(limit) if limit else km(ceiling)} and "
                    "take an easy or rest day before the next long run."
                ),
                numbers={
                    "distance_km": round(run.distance_m / 1000, 2),
                    "reference_km": round(reference / 1000, 2),
                    "increase_pct": round(increase * 100, 1),
                    "next_run_ceiling_km": round(ceiling / 1000, 2),
                },
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
    notes={
        "caution": "a run this fraction longer than your longest of the window: caution",
        "high": "where the caution band splits: the alert names its range (10-30 % or 30-100 %)",
        "warning": "from this fraction on (1 = twice as long): warning",
        "min_increase_km": "and at least this many km more",
        "window_days": "the window of your longest run",
        "min_history_days": "days of history before it may fire",
        "next_run_factor": "the next-run ceiling in status, digests and this rule's advice",
    },
    fires=(
        "a run {caution_pct}–{high_pct} % (caution), {high_pct}–{warning_pct} % (caution) or > "
        "{warning_pct} % (warning) longer than your longest run of the previous {window_days} days,"
        " and at least {min_increase_km} km more"
    ),
)
