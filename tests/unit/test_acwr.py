"""acwr speaks only about a sustained, well-sampled excursion, whatever the runner's rhythm."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from strainwatch.domain import Run, Severity
from strainwatch.metrics.history import History
from strainwatch.rules.registry import effective, evaluate_day
from tests.support.clock import this_monday
from tests.support.histories import make_run

pytestmark = pytest.mark.clock

THRESHOLDS = effective({})


def schedule(
    weekdays: tuple[int, ...],
    weeks: int,
    km: float,
    *,
    first: date | None = None,
    seed: int = 1,
    start_id: int = 1,
) -> list[Run]:
    rnd = random.Random(seed)
    first = first or this_monday()
    days = [first + timedelta(days=d) for d in range(weeks * 7)]
    return [
        make_run(start_id + i, day, km * rnd.uniform(0.7, 1.3))
        for i, day in enumerate(d for d in days if d.weekday() in weekdays)
    ]


def acwr_days(runs: list[Run], first: date, last: date) -> list[tuple[date, str]]:
    history = History.build(runs, last)
    out = []
    day = first
    while day <= last:
        for f in evaluate_day(history, day, THRESHOLDS):
            if f.rule == "acwr":
                assert f.severity == Severity.INFO
                out.append((day, f.period.split(":")[0]))
        day += timedelta(days=1)
    return out


def test_a_sustained_tripling_speaks_for_a_daily_and_a_twice_weekly_runner() -> None:
    for weekdays in ((0, 1, 2, 3, 4, 5, 6), (2, 6)):
        base = schedule(weekdays, 10, 6.0)
        ramp_start = this_monday() + timedelta(weeks=10)
        ramp = schedule(weekdays, 4, 18.0, first=ramp_start, start_id=500)
        found = acwr_days([*base, *ramp], ramp_start, ramp_start + timedelta(weeks=4))
        assert "high" in {band for _, band in found}, weekdays
        first_day = min(d for d, band in found if band == "high")
        assert first_day >= ramp_start + timedelta(days=6)  # at least the acute window


def test_ordinary_ups_and_downs_of_a_twice_weekly_runner_stay_silent() -> None:
    runs = schedule((2, 6), 40, 9.0, seed=7)
    assert acwr_days(runs, this_monday(), this_monday() + timedelta(weeks=40)) == []


def test_a_single_long_run_is_no_large_increase() -> None:
    runs = schedule((2, 6), 12, 8.0)
    day = this_monday() + timedelta(weeks=12, days=2)
    runs.append(make_run(999, day, 30.0))
    assert acwr_days(runs, day, day + timedelta(days=14)) == []
