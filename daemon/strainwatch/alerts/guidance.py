"""Proactive guidance (EVIDENCE.md): ceilings for the next run and the next 7 days. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from strainwatch.metrics.history import History
from strainwatch.rules.base import Thresholds, number
from strainwatch.rules.signals import SPIKE, is_spike


@dataclass(frozen=True, slots=True)
class Guidance:
    longest_30d_km: float | None
    next_run_ceiling_km: float | None
    last_two_weeks_mean_km: float
    next_week_ceiling_km: float | None
    next_run_factor: float  # long-run-spike's `next_run_factor` in effect
    next_week_factor: float  # weekly-volume-jump's `next_week_factor` in effect
    window_days: int  # long-run-spike's `window_days`: "the 30-day longest"


def guidance(h: History, today: date, t: Thresholds) -> Guidance:
    """The factors are the long-run-spike and weekly-volume-jump settings in effect, so the
    ceilings here and in those rules' advice are the same numbers. A run that was itself a
    spike does not become the new reference: the ceiling after a 40 % jump stays where the
    long-run-spike alert put it."""
    spike = t.of(SPIKE)
    window = int(number(spike, "window_days"))
    run_factor = number(spike, "next_run_factor")
    week_factor = number(t.of("weekly-volume-jump"), "next_week_factor")
    recent = [
        r
        for r in h.runs_between(today - timedelta(days=window - 1), today)
        if r.counts_for_spikes and not is_spike(h, r, t)
    ]
    longest = max((r.distance_m for r in recent), default=0.0) / 1000 or None
    mean = h.km_between(today - timedelta(days=13), today) / 2
    return Guidance(
        longest_30d_km=longest,
        next_run_ceiling_km=None if longest is None else run_factor * longest,
        last_two_weeks_mean_km=mean,
        next_week_ceiling_km=week_factor * mean if mean > 0 else None,
        next_run_factor=run_factor,
        next_week_factor=week_factor,
        window_days=window,
    )
