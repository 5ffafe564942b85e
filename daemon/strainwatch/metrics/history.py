"""Everything the rules read, computed once per evaluation from an athlete's runs.

Series are indexed by day from the first run; a rule evaluating day D reads only indices
<= D and runs dated <= D, so a backtest replaying day by day sees exactly what the live
system would have seen (tested: truncating the history after D changes nothing on D).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import median
from typing import Any

from strainwatch.domain import Injury, Run, Shoe
from strainwatch.metrics.load import (
    acwr,
    banister_trimp,
    fitness_fatigue,
    median_or_none,
    strain_series,
    training_stress,
)

EASY_DAYS = 28  # easy pace: the median over these days


@dataclass(frozen=True, slots=True)
class AthleteFacts:
    birth_year: int | None = None
    injuries: tuple[Injury, ...] = ()
    shoes: tuple[Shoe, ...] = ()
    load: str = "distance"  # or "trimp": heart-rate load for ACWR, monotony and fitness/fatigue
    hr_rest: float | None = None
    hr_max: float | None = None
    female: bool = False


@dataclass(slots=True)
class History:
    runs: list[Run]  # every running activity, by start
    facts: AthleteFacts = field(default_factory=AthleteFacts)
    start: date = date.min
    km: list[float] = field(default_factory=list)  # daily running distance
    load: list[float] = field(default_factory=list)  # daily load: km, or TRIMP when chosen
    stress: list[float] = field(default_factory=list)
    ran: list[bool] = field(default_factory=list)
    ratio: list[float | None] = field(default_factory=list)
    ctl: list[float] = field(default_factory=list)
    atl: list[float] = field(default_factory=list)
    tsb: list[float] = field(default_factory=list)
    _dates: list[date] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict)  # rules' derived data, per history

    @classmethod
    def build(cls, activities: Iterable[Run], until: date, facts: AthleteFacts | None = None) -> History:
        runs = sorted(
            (r for r in activities if r.is_running and r.local_date <= until),
            key=lambda r: (r.start, r.activity_id),
        )
        h = cls(runs=runs, facts=facts or AthleteFacts())
        if not runs:
            h.start = until
            return h
        h.start = runs[0].local_date
        days = (until - h.start).days + 1
        h.km = [0.0] * days
        h.load = [0.0] * days
        h.stress = [0.0] * days
        trimp = _trimp_scorer(h.facts) if h.facts.load == "trimp" else None
        h.ran = [False] * days
        h._dates = [r.local_date for r in runs]
        # easy_pace of the day before each run, from one pass over the runs' paces
        gaps = [r.gap_s_per_km if r.gap_s_per_km and r.counts_for_spikes else None for r in runs]
        for r in runs:
            i = (r.local_date - h.start).days
            h.km[i] += r.distance_m / 1000
            h.ran[i] = True
            if trimp is not None:
                score = trimp(r)
                h.load[i] += score
                h.stress[i] += score
            else:
                h.load[i] += r.distance_m / 1000
                lo = bisect_left(h._dates, r.local_date - timedelta(days=EASY_DAYS))
                hi = bisect_left(h._dates, r.local_date)
                easy = median_or_none([g for g in gaps[lo:hi] if g is not None])
                h.stress[i] += training_stress(r.moving_time_s, r.gap_s_per_km, easy)
        h.ratio = acwr(h.load)
        h.ctl, h.atl, h.tsb = fitness_fatigue(h.stress)
        return h

    @property
    def strains(self) -> list[float]:
        """Foster's strain per day, computed on first use: only the no-rest-days rule reads it,
        and the overview's first look at ten years should not pay for it."""
        found: list[float] | None = self.cache.get("strains")
        if found is None:
            found = self.cache["strains"] = strain_series(self.load)
        return found

    def index(self, day: date) -> int:
        return (day - self.start).days

    def runs_between(self, first: date, last: date) -> Sequence[Run]:
        """Runs dated first..last, inclusive."""
        return self.runs[bisect_left(self._dates, first) : bisect_right(self._dates, last)]

    def runs_on(self, day: date) -> Sequence[Run]:
        return self.runs_between(day, day)

    def previous_runs(self, run: Run, days: int) -> list[Run]:
        """Runs in the `days` before this run (same day's earlier runs included)."""
        candidates = self.runs_between(run.local_date - timedelta(days=days), run.local_date)
        return [r for r in candidates if r.start < run.start]

    def km_between(self, first: date, last: date) -> float:
        lo = max(0, self.index(first))
        hi = self.index(last)
        return sum(self.km[lo : hi + 1]) if hi >= 0 else 0.0

    def history_days(self, day: date) -> int:
        return self.index(day) + 1 if self.runs else 0

    def episode_start(self, key: str, day: date, holds: Callable[[date], bool]) -> date:
        """The first day of the unbroken run of days, ending at `day`, on which `holds` is true.

        Period alerts are keyed by it, so a condition that lasts from a Sunday into the next
        week (or for months) stays one alert, and a condition that clears and returns is a new
        one. Memoised per `key` on this history, a day-by-day replay stays linear: each day's
        start is the previous day's. `holds` must be false before the history begins.
        """
        memo: dict[date, date] = self.cache.setdefault(f"episode:{key}", {})
        if day in memo:
            return memo[day]
        previous = day - timedelta(days=1)
        if not holds(previous):
            start = day
        elif previous in memo:
            start = memo[previous]
        else:
            start = previous
            while holds(start - timedelta(days=1)):
                start -= timedelta(days=1)
        memo[day] = start
        return start

    def easy_pace(self, day: date, days: int = EASY_DAYS) -> float | None:
        """The runner's easy grade-adjusted pace: median over the `days` up to `day`."""
        window = self.runs_between(day - timedelta(days=days - 1), day)
        return median_or_none([r.gap_s_per_km for r in window if r.gap_s_per_km and r.counts_for_spikes])


def _trimp_scorer(facts: AthleteFacts) -> Callable[[Run], float]:
    """Banister TRIMP per run, to be called in start order. A run without heart rate gets the
    median TRIMP per minute of the previous 50 runs that had one (no look-ahead) times its
    minutes, so one forgotten strap does not read as a rest day."""
    rest, top = facts.hr_rest, facts.hr_max
    if rest is None or top is None or top <= rest:
        raise ValueError("TRIMP load needs hr_rest < hr_max")
    recent: list[float] = []

    def score(r: Run) -> float:
        minutes = r.moving_time_s / 60
        if r.avg_hr is None or minutes <= 0:
            return (median(recent) if recent else 1.0) * max(minutes, 0.0)
        reserve = min(1.0, max(0.0, (r.avg_hr - rest) / (top - rest)))
        value = banister_trimp(minutes, reserve, facts.female)
        recent.append(value / minutes)
        del recent[:-50]
        return value

    return score
