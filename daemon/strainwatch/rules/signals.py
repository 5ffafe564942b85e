"""Detectors several rules share: a distance spike and a speed session after a break.

They live apart from the rules that report them (long-run-spike, speed-novelty) so that
hill-spike, pain-note, rehab-mode, the calf modifiers and the guidance reuse them without a
cycle between rule modules. Each takes the owning rule's settings in effect for the athlete
(`Thresholds.of`), so a per-athlete override moves every rule that reads the signal.
"""

from __future__ import annotations

from datetime import timedelta

from strainwatch.domain import Run
from strainwatch.metrics.history import History
from strainwatch.rules.base import Settings, Thresholds, number

SPIKE = "long-run-spike"
SPEED = "speed-novelty"


def spike_of(h: History, run: Run, settings: Settings) -> tuple[float, float] | None:
    """(increase as a fraction, the reference distance) when this run is a spike by the
    long-run-spike settings given."""
    if not run.counts_for_spikes or h.index(run.local_date) < number(settings, "min_history_days"):
        return None
    before = [r for r in h.previous_runs(run, int(number(settings, "window_days"))) if r.counts_for_spikes]
    if not before:
        return None  # no run in 30 days: return-after-layoff speaks instead
    reference = max(r.distance_m for r in before)
    if reference <= 0:
        return None
    increase = run.distance_m / reference - 1
    too_small = run.distance_m - reference < number(settings, "min_increase_km") * 1000
    if increase < number(settings, "caution") or too_small:
        return None
    return increase, reference


def is_spike(h: History, run: Run, t: Thresholds) -> bool:
    return spike_of(h, run, t.of(SPIKE)) is not None


def fast_minutes(h: History, run: Run, settings: Settings) -> tuple[float, float, float] | None:
    """(minutes at >= `faster` above easy pace, the threshold pace, easy pace) or None, by the
    speed-novelty settings given."""
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
