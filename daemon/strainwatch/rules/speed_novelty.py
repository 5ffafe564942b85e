"""speed-novelty: the first real speed session in three weeks.

Calf tears with picking up the pace and intervals recur in the seed cases; the Run Clever
trial found no difference in injuries between speed- and volume-focused plans, so this is
phrased as a caution, not an alarm.
"""

from __future__ import annotations

from datetime import date, timedelta

from strainwatch.domain import Finding, Run, Severity
from strainwatch.rules.base import Rule, Settings, number
from strainwatch.rules.history import History

DEFAULTS = {"faster": 0.10, "min_minutes": 10.0, "novel_days": 21.0, "baseline_days": 28.0}


def fast_minutes(h: History, run: Run, settings: Settings) -> tuple[float, float, float] | None:
    """(minutes at >= `faster` above easy pace, the threshold pace, easy pace) or None."""
    if not run.counts_for_spikes or not run.gap_profile:
        return None
    easy = h.easy_pace(run.local_date - timedelta(days=1), int(number(settings, "baseline_days")))
    if easy is None:
        return None
    threshold = easy / (1 + number(settings, "faster"))
    return run.seconds_at_or_faster(threshold) / 60, threshold, easy


def is_novel_speed(h: History, run: Run, settings: Settings) -> bool:
    found = fast_minutes(h, run, settings)
    if found is None or found[0] < number(settings, "min_minutes"):
        return False
    for earlier in h.previous_runs(run, int(number(settings, "novel_days"))):
        before = fast_minutes(h, earlier, settings)
        if before is not None and before[0] >= number(settings, "min_minutes"):
            return False
    return len(h.previous_runs(run, int(number(settings, "baseline_days")))) >= 3


def evaluate(h: History, day: date, settings: Settings) -> list[Finding]:
    from strainwatch.rules.long_run_spike import spike_of
    from strainwatch.rules.modifiers import run_modifiers

    findings = []
    for run in h.runs_on(day):
        found = fast_minutes(h, run, settings)
        if found is None or not is_novel_speed(h, run, settings):
            continue
        minutes, threshold, easy = found
        mods = run_modifiers(h, run)
        spiked = spike_of(h, run, None) is not None
        severity = Severity.CAUTION if (mods or spiked) else Severity.INFO
        findings.append(
            Finding(
                rule=RULE.id,
                severity=severity,
                day=day,
                period=f"activity:{run.activity_id}",
                title=f"First speed session in {int(number(settings, 'novel_days'))} days",
                summary=(
                    f"{minutes:.0f} min at or faster than {threshold // 60:.0f}:{threshold % 60:02.0f}/km "
                    f"grade-adjusted, 10 % faster than your easy pace of "
                    f"{easy // 60:.0f}:{easy % 60:02.0f}/km; no such session in the 3 weeks before"
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
                activity_ids=(run.activity_id,),
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
)
