"""One scenario per rule with threshold keys: a runner's history in which that rule fires at
the defaults, and the days to evaluate; and one spike every rule reading its signal sees."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from strainwatch.domain import Injury, Run, Shoe
from strainwatch.metrics.history import AthleteFacts
from tests.support.clock import this_monday
from tests.support.histories import EASY, make_run, steady


@dataclass(frozen=True)
class Scenario:
    runs: list[Run]
    first: date
    last: date
    facts: AthleteFacts = field(default_factory=AthleteFacts)


def spike() -> Scenario:
    runs = steady(this_monday(), 6)
    day = this_monday() + timedelta(weeks=6)
    return Scenario([*runs, make_run(999, day, 16.8)], day, day)


def jump() -> Scenario:
    runs = steady(this_monday(), 8)
    week = this_monday() + timedelta(weeks=8)
    jump = [
        make_run(900 + i, week + timedelta(days=d), km)
        for i, (d, km) in enumerate([(0, 11), (2, 9), (3, 11), (5, 10), (6, 17)])
    ]
    return Scenario([*runs, *jump], week + timedelta(days=6), week + timedelta(days=6))


def layoff() -> Scenario:
    back = this_monday() + timedelta(weeks=8, days=12)
    comeback = [
        make_run(900 + i, back + timedelta(days=d), km) for i, (d, km) in enumerate([(0, 8), (1, 8), (3, 10)])
    ]
    return Scenario([*steady(this_monday(), 8), *comeback], back, back + timedelta(days=3))


def speed() -> Scenario:
    day = this_monday() + timedelta(weeks=6, days=2)
    return Scenario([*steady(this_monday(), 6), make_run(999, day, 7.0, fast_minutes=16)], day, day)


def hill() -> Scenario:
    day = this_monday() + timedelta(weeks=6, days=2)
    return Scenario([*steady(this_monday(), 6), make_run(999, day, 8.0, descent=400.0)], day, day)


def monotonous() -> Scenario:
    first = this_monday() + timedelta(weeks=6)
    daily = [make_run(900 + i, first + timedelta(days=i), 9.0 + (i % 3) * 0.4) for i in range(21)]
    return Scenario([*steady(this_monday(), 6), *daily], first, first + timedelta(days=20))


def ramp() -> Scenario:
    first = this_monday() + timedelta(weeks=8)
    hard = [
        make_run(900 + i, first + timedelta(days=i), 14.0 + (i % 4) * 3, pace=EASY * 0.85) for i in range(28)
    ]
    return Scenario([*steady(this_monday(), 8), *hard], first, first + timedelta(days=27))


def shoes() -> Scenario:
    runs = steady(this_monday(), 15)
    new_week, minimal_week = this_monday() + timedelta(weeks=15), this_monday() + timedelta(weeks=16)
    plan = [(0, 8), (2, 6), (3, 8), (5, 6), (6, 12)]
    runs += [
        make_run(800 + i, new_week + timedelta(days=d), km, gear="Novo") for i, (d, km) in enumerate(plan)
    ]
    runs += [
        make_run(900 + i, minimal_week + timedelta(days=d), km, gear="Vivo") for i, (d, km) in enumerate(plan)
    ]
    facts = AthleteFacts(shoes=(Shoe("Vivo", ("minimalist",)), Shoe("A", since=this_monday())))
    return Scenario(runs, this_monday(), minimal_week + timedelta(days=6), facts)


def pain() -> Scenario:
    day = this_monday() + timedelta(weeks=6, days=2)
    runs = [
        *steady(this_monday(), 6),
        make_run(900, day, 6.0, text="Left calf tight"),
        make_run(901, day + timedelta(days=1), 6.0),
        make_run(902, day + timedelta(days=6), 17.0),
    ]
    return Scenario(runs, day, day + timedelta(days=6))


SCENARIOS: dict[str, Callable[[], Scenario]] = {
    "long-run-spike": spike, "weekly-volume-jump": jump, "return-after-layoff": layoff,
    "speed-novelty": speed, "hill-spike": hill, "no-rest-days": monotonous, "fatigue": ramp,
    "acwr": ramp, "shoe-mileage": shoes, "shoe-change": shoes, "pain-note": pain,
}  # fmt: skip


def spike_dependents() -> Scenario:
    """One 17 km run after six weeks of at most 12 km (+40 %): downhill, fast, after a pain
    note, with an open calf injury; every rule that reads the spike signal sees it."""
    note_day = this_monday() + timedelta(weeks=6)
    day = note_day + timedelta(days=5)
    facts = AthleteFacts(injuries=(Injury(1, note_day - timedelta(days=1), "soleus"),))
    runs = [
        *steady(this_monday(), 6),
        make_run(900, note_day, 6.0, text="calf tight"),
        make_run(999, day, 17.0, descent=400.0, fast_minutes=16),
    ]
    return Scenario(runs, day, day, facts)
