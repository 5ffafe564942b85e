"""The day's guidance (EVIDENCE.md): how far the next run and the next 7 days may go. Pure.

One answer per day for every surface: each ceiling is the strictest of what every enabled
rule advises that day (rules.ceilings), and carries the rule that set it and why. `status`,
`explain`, the overview, the alert page, mail and push all show `guidance(...)`; an alert may
add its own advice, never a looser limit (the rules quote the same strictest ceiling).

API for other consumers (e.g. plan forecasts): `guidance(history, today, thresholds)` with a
History built to at least `today` and the athlete's effective Thresholds. `Guidance.next_run`
and `Guidance.next_week` are `Ceiling`s (metres, rule, reason with marked quantities: spell
them with `strainwatch.units.say`) or None when no enabled rule advises a limit;
`Guidance.advised` lists every rule's limit; `Guidance.longest` is the window's longest run
and the runs it leaves out. The `*_km` properties keep the `status --json` contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from strainwatch.metrics.history import History
from strainwatch.rules.base import Thresholds, number
from strainwatch.rules.ceilings import WEEKLY, Ceiling, Longest, advised, strictest, window_longest
from strainwatch.rules.signals import SPIKE
from strainwatch.units import distance_text, say


@dataclass(frozen=True, slots=True)
class Guidance:
    day: date
    next_run: Ceiling | None
    next_week: Ceiling | None
    advised: tuple[Ceiling, ...]  # every enabled rule's limit for the day, as advised
    longest: Longest  # the window's longest run (long-run-spike's reference) and what it leaves out
    last_two_weeks_mean_km: float
    next_run_factor: float  # long-run-spike's `next_run_factor` in effect
    next_week_factor: float  # weekly-volume-jump's `next_week_factor` in effect

    @property
    def window_days(self) -> int:
        return self.longest.window_days

    @property
    def longest_30d_km(self) -> float | None:
        return None if self.longest.metres is None else self.longest.metres / 1000

    @property
    def next_run_ceiling_km(self) -> float | None:
        return None if self.next_run is None else self.next_run.metres / 1000

    @property
    def next_week_ceiling_km(self) -> float | None:
        return None if self.next_week is None else self.next_week.metres / 1000

    def as_json(self, units: str) -> dict[str, Any]:
        """`status --json`'s `guidance`: the original keys (km), and what set each ceiling."""

        def limit(c: Ceiling | None) -> dict[str, Any] | None:
            if c is None:
                return None
            return {
                "distance_km": round(c.metres / 1000, 1),
                "distance": distance_text(c.metres, units),
                "rule": c.rule,
                "reason": say(c.reason, units),
            }

        def km(value: float | None) -> float | None:
            return None if value is None else round(value, 1)

        return {
            "longest_30d_km": km(self.longest_30d_km),
            "next_run_ceiling_km": km(self.next_run_ceiling_km),
            "last_two_weeks_mean_km": km(self.last_two_weeks_mean_km),
            "next_week_ceiling_km": km(self.next_week_ceiling_km),
            "next_run_factor": round(self.next_run_factor, 1),
            "next_week_factor": round(self.next_week_factor, 1),
            "window_days": self.window_days,
            "next_run": limit(self.next_run),
            "next_week": limit(self.next_week),
            "longest_left_out": [
                {
                    "activity_id": r.activity_id,
                    "date": r.local_date.isoformat(),
                    "distance_km": round(r.distance_m / 1000, 1),
                }
                for r in self.longest.left_out
            ],
        }


def guidance(h: History, today: date, t: Thresholds) -> Guidance:
    """The ceilings for the run after `today` and the 7 days after it, from `h` up to `today`."""
    limits = advised(h, today, t)
    return Guidance(
        day=today,
        next_run=strictest(limits, "run"),
        next_week=strictest(limits, "week"),
        advised=limits,
        longest=window_longest(h, today, t),
        last_two_weeks_mean_km=h.km_between(today - timedelta(days=13), today) / 2,
        next_run_factor=number(t.of(SPIKE), "next_run_factor"),
        next_week_factor=number(t.of(WEEKLY), "next_week_factor"),
    )


def left_out_sentence(longest: Longest, units: str) -> str:
    """What the window's longest run does not count, said where the number is shown; "" when
    nothing is left out."""

    def runs(spikes: bool) -> str:
        return ", ".join(
            f"{distance_text(r.distance_m, units)} on {r.local_date}"
            for r in longest.left_out
            if r.counts_for_spikes == spikes
        )

    parts = []
    if spiked := runs(spikes=True):
        parts.append(f"{spiked} (spikes: far longer than the runs before them, not the new normal)")
    if rough := runs(spikes=False):
        parts.append(f"{rough} (treadmill or typed in: too rough a distance)")
    return f"Left out on purpose: {'; '.join(parts)}." if parts else ""


def limit_text(c: Ceiling | None, units: str) -> str:
    """ "6.1 km (after 13 days off: 75 % of your typical run …; set by return-after-layoff)"."""
    if c is None:
        return "-"
    return f"{distance_text(c.metres, units)} ({say(c.reason, units)}; set by {c.rule})"


def guidance_lines(g: Guidance, units: str) -> list[str]:
    """The day's two limits as sentences: the same words in explain, mail, push and pages."""
    lines = []
    if g.next_run is not None:
        lines.append(f"Next run: under {limit_text(g.next_run, units)}.")
        if g.next_run.rule == SPIKE and (left := left_out_sentence(g.longest, units)):
            lines.append(left)
    if g.next_week is not None:
        lines.append(f"Next 7 days: up to {limit_text(g.next_week, units)}.")
    return lines
