"""Backtest speed: ten years of generated daily running, and one new activity after it.

Run:  python benchmarks/bench_backtest.py

Prints the full replay time and peak RSS, and the time to evaluate once more after one new
activity: rebuild the history and replay today, as a sync pass does (process start and the
database excluded).
"""

from __future__ import annotations

import random
import resource
import time
from datetime import UTC, date, datetime, timedelta

from strainwatch.alerts.replay import Ledger, replay, replay_days
from strainwatch.domain import Run
from strainwatch.metrics.history import AthleteFacts, History
from strainwatch.rules.registry import effective


def ten_years(seed: int = 3) -> list[Run]:
    rnd = random.Random(seed)
    runs = []
    day = date(2016, 1, 4)
    for _ in range(3650):
        if rnd.random() < 0.82:  # about 3,000 runs
            km = rnd.choice([6, 8, 10, 12, 16]) * rnd.uniform(0.85, 1.15)
            pace = rnd.uniform(300, 380)
            fast = rnd.choice([0, 0, 0, 12]) * 60.0
            runs.append(
                Run(
                    activity_id=len(runs) + 1,
                    start=datetime(day.year, day.month, day.day, 7, tzinfo=UTC),
                    local_date=day,
                    sport_type="Run",
                    distance_m=km * 1000,
                    moving_time_s=km * pace,
                    gap_s_per_km=pace,
                    ascent_m=rnd.uniform(10, 200),
                    descent_m=rnd.uniform(10, 200),
                    gap_profile=((int(pace * 0.85 // 5 * 5), fast), (int(pace // 5 * 5), km * pace - fast)),
                    text=rnd.choice(["", "", "", "", "calf tight"]),
                    gear=rnd.choice(["A", "B"]),
                )
            )
        day += timedelta(days=1)
    return runs


def main() -> None:
    runs = ten_years()
    thresholds = effective({})
    started = time.perf_counter()
    result = replay(runs, AthleteFacts(birth_year=1975), thresholds)
    full = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    last = runs[-1].local_date
    extra = Run(
        activity_id=len(runs) + 1,
        start=datetime(last.year, last.month, last.day, 18, tzinfo=UTC),
        local_date=last,
        sport_type="Run",
        distance_m=21_000,
        moving_time_s=21 * 330,
        gap_s_per_km=330,
    )
    times = []
    for _ in range(5):
        started = time.perf_counter()
        history = History.build([*runs, extra], last, AthleteFacts(birth_year=1975))
        replay_days(
            history,
            last,
            last,
            thresholds,
            Ledger(states={}),
            athlete_id="bench",
            clock=lambda day: datetime.combine(day, datetime.min.time(), UTC),
        )
        times.append(time.perf_counter() - started)
    print(f"history: {len(runs)} runs over {(last - runs[0].local_date).days + 1} days")
    print(f"full backtest: {full:.2f} s (target < 5 s), {len(result.alerts)} alerts, peak RSS {rss:.0f} MB")
    print(f"evaluate after one new activity: {sorted(times)[2] * 1000:.0f} ms median of 5 (target < 100 ms)")


if __name__ == "__main__":
    main()
