"""Calf-strain modifiers: they raise a finding by one level and never fire alone.

Age and a previous calf strain are the strongest risk factors across sports (Green &
Pizzari 2017, BJSM 51:1189); a new or minimalist shoe, an unusually hilly run and the first
speed session in three weeks load the calf in ways it is not used to. "New" and "hilly" are
measured with the athlete's shoe-change `new_days` and hill-spike `percentile` in effect.
"""

from __future__ import annotations

from datetime import date, timedelta

from strainwatch.domain import Run, Shoe
from strainwatch.metrics.history import History
from strainwatch.metrics.load import percentile
from strainwatch.rules.base import Thresholds, number
from strainwatch.units import climb_mark

MIN_RUNS_FOR_PERCENTILE = 10


def shoe_of(h: History, run: Run) -> Shoe | None:
    """The configured shoe named by the run's gear, else the one in use on that date."""
    shoes = h.facts.shoes
    if run.gear:
        for shoe in shoes:
            if shoe.name.casefold() == run.gear.casefold():
                return shoe
        return Shoe(name=run.gear)
    dated = [s for s in shoes if s.since is not None and s.since <= run.local_date]
    return max(dated, key=lambda s: s.since or date.min) if dated else None


def first_use(h: History, shoe: Shoe) -> date | None:
    if shoe.since is not None:
        return shoe.since
    used = [r.local_date for r in h.runs if r.gear and r.gear.casefold() == shoe.name.casefold()]
    return min(used) if used else None


def person_modifiers(h: History, day: date) -> list[str]:
    found = []
    if h.facts.birth_year is not None and day.year - h.facts.birth_year >= 40:
        found.append(f"age {day.year - h.facts.birth_year}")
    for injury in h.facts.injuries:
        if injury.is_calf and day - timedelta(days=365) < injury.start <= day:
            found.append(f"{injury.part} injury logged {injury.start.isoformat()}")
            break
    return found


def is_hilly(h: History, run: Run, t: Thresholds) -> bool:
    previous = [r.descent_m for r in h.previous_runs(run, 365) if r.descent_m is not None]
    if run.descent_m is None or len(previous) < MIN_RUNS_FOR_PERCENTILE:
        return False
    p90 = percentile(previous, number(t.of("hill-spike"), "percentile"))
    return p90 is not None and run.descent_m > max(p90, 50.0)


def run_modifiers(h: History, run: Run, t: Thresholds, *, speed_novelty: bool = False) -> list[str]:
    """Every modifier that applies to this run, phrased for the alert."""
    found = person_modifiers(h, run.local_date)
    shoe = shoe_of(h, run)
    if shoe is not None:
        started = first_use(h, shoe)
        new_days = number(t.of("shoe-change"), "new_days")
        if shoe.minimalist:
            found.append(f"minimalist/low-drop shoe ({shoe.name})")
        elif started is not None and (run.local_date - started).days < new_days:
            found.append(f"new shoe ({shoe.name}, first used {started.isoformat()})")
    if is_hilly(h, run, t):
        found.append(f"unusually hilly run ({climb_mark(run.descent_m or 0.0)} of descent)")
    if speed_novelty:
        found.append(f"first speed session in {number(t.of('speed-novelty'), 'novel_days'):.0f} days")
    return found
