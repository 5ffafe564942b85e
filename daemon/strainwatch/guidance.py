"""Proactive guidance (EVIDENCE.md): ceilings for the next run and the next 7 days. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from strainwatch.rules.history import History

NEXT_RUN_FACTOR = 1.10  # x the longest run of the last 30 days
NEXT_WEEK_FACTOR = 1.30  # x the mean of the last two weeks (grade B/C)


@dataclass(frozen=True, slots=True)
class Guidance:
    longest_30d_km: float | None
    next_run_ceiling_km: float | None
    last_two_weeks_mean_km: float
    next_week_ceiling_km: float | None


def guidance(h: History, today: date) -> Guidance:
    """A run that was itself a spike does not become the new reference: the ceiling after a
    40 % jump stays where the long-run-spike alert put it."""
    from strainwatch.rules.long_run_spike import spike_of

    recent = [
        r
        for r in h.runs_between(today - timedelta(days=29), today)
        if r.counts_for_spikes and spike_of(h, r, None) is None
    ]
    longest = max((r.distance_m for r in recent), default=0.0) / 1000 or None
    mean = h.km_between(today - timedelta(days=13), today) / 2
    return Guidance(
        longest_30d_km=longest,
        next_run_ceiling_km=None if longest is None else NEXT_RUN_FACTOR * longest,
        last_two_weeks_mean_km=mean,
        next_week_ceiling_km=NEXT_WEEK_FACTOR * mean if mean > 0 else None,
    )
