"""speed-novelty: the first real speed session in three weeks.

Calf tears with picking up the pace and intervals recur in the seed cases; the Run Clever
trial found no difference in injuries between speed- and volume-focused plans, so this is
phrased as a caution, not an alarm.
"""

from __future__ import annotations

from datetime import date

from strainwatch.domain import Finding, Severity
from strainwatch.metrics.history import History
from strainwatch.rules.base import Rule, Thresholds, about_run, number
from strainwatch.rules.modifiers import run_modifiers
from strainwatch.rules.signals import fast_minutes, is_novel_speed, is_spike
from strainwatch.units import pace_mark

DEFAULTS = {"faster": 0.10, "min_minutes": 10.0, "novel_days": 21.0, "baseline_days": 28.0}


def evaluate(h: History, day: date, t: Thresholds) -> list[Finding]:
    settings = t.of(RULE.id)
    findings = []
    for run in h.runs_on(day):
        found = fast_minutes(h, run, settings)
        if found is None or not is_novel_speed(h, run, settings):
            continue
        minutes, threshold, easy = found
        mods = run_modifiers(h, run, t)
        spiked = is_spike(h, run, t)
        severity = Severity.CAUTION if (mods or spiked) else Severity.INFO
        findings.append(
            about_run(
                RULE.id,
                severity,
                day,
                run,
                title=f"First speed session in {int(number(settings, 'novel_days'))} days",
                summary=(
                    f"{minutes:.0f} min at or faster than {pace_mark(threshold)} "
                    f"grade-adjusted, {number(settings, 'faster') * 100:.0f} % faster than your easy pace of "
                    f"{pace_mark(easy)}; no such session in the "
                    f"{number(settings, 'novel_days'):.0f} days before"
                    + (" — on a run that was also a distance spike" if spiked else "")
                ),
                advice=(
                    "Keep the next two runs easy and short; add speed back in small doses "
                    "(e.g. 4-6 x 1 min) once a week, and not together with a longer run."
                ),
                numbers={
                    "fast_minutes": round(minutes, 1),
                    "threshold_s_per_km": round(threshold),
                    "easy_s_per_km": round(easy),
                },
                modifiers=tuple(mods),
            )
        )
    return findings


RULE = Rule(
    id="speed-novelty",
    title="Speed after a break from speed",
    grade="C",
    citation="Seed cases of calf tears with intervals; Nielsen et al. 2013 hypothesis; "
    "the Run Clever trial (Ramskov et al. 2018) found no difference",
    why="Fast running loads the calf far more than easy running, and unaccustomed load is what strains it.",
    defaults=DEFAULTS,
    evaluate=evaluate,
    needs="28 days with at least 3 runs (for your easy pace)",
    notes={
        "faster": "this fraction faster than your easy grade-adjusted pace",
        "min_minutes": "for at least this many minutes",
        "novel_days": "with no such session in this many days before",
        "baseline_days": "the days your easy pace comes from",
    },
    fires=(
        "≥ {min_minutes} min at ≥ {faster_pct} % faster than your easy grade-adjusted pace, the "
        "first such session in {novel_days} days"
    ),
)
