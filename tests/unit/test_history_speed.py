"""The one-pass forms History.build uses give exactly what the per-day definitions give: the
overview's first look at ten years depends on them being cheap, the rules on them being equal."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from strainwatch.domain import Run
from strainwatch.metrics.history import History
from strainwatch.metrics.load import strain, strain_series, training_stress


def test_strain_series_is_strain_at_every_day() -> None:
    rng = random.Random(7)
    for length in (0, 1, 3, 6, 7, 8, 400):
        values = [rng.choice([0.0, 0.0, rng.uniform(0, 30), 10.0]) for _ in range(length)]
        assert strain_series(values) == [strain(values, i) for i in range(length)]
    assert strain_series([0.0] * 10) == [0.0] * 10  # no load: monotony undefined, strain 0


def _runs(n: int, seed: int) -> list[Run]:
    rng = random.Random(seed)
    first = datetime(2020, 1, 1, 6, tzinfo=UTC)
    runs = []
    for i in range(n):
        start = first + timedelta(days=rng.randrange(0, 3 * n // 2), hours=rng.uniform(0, 14))
        metres = rng.uniform(1000, 25000)
        pace = rng.uniform(240, 420)
        runs.append(
            Run(
                activity_id=i,
                start=start,
                local_date=start.date(),
                sport_type=rng.choice(["Run", "Run", "Run", "TrailRun", "Ride"]),
                distance_m=metres,
                moving_time_s=metres / 1000 * rng.choice([pace, pace, 60.0]),  # some at car pace
                gap_s_per_km=rng.choice([pace - 3, pace + 4, None, 0.0]),
                trainer=rng.random() < 0.1,
                manual=rng.random() < 0.05,
            )
        )
    return runs


def test_the_stress_of_each_run_uses_the_easy_pace_of_the_day_before() -> None:
    runs = _runs(600, 3)
    until = date(2022, 12, 31)
    h = History.build(runs, until)
    expected = [0.0] * len(h.stress)
    for r in h.runs:
        easy = h.easy_pace(r.local_date - timedelta(days=1))
        expected[h.index(r.local_date)] += training_stress(r.moving_time_s, r.gap_s_per_km, easy)
    assert h.stress == expected
    assert h.strains == [strain(h.load, i) for i in range(len(h.load))]
    assert h.strains is h.strains  # computed once, on first use
