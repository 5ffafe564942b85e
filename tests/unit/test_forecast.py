"""The rules on the plan: forecasts about planned runs, laid after the real history and never
mixed into it; re-planned as reality arrives (at plan, under plan, skipped)."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from strainwatch.alerts.forecast import PlannedRun, forecast, in_effect
from strainwatch.alerts.guidance import guidance
from strainwatch.domain import Run, Severity
from strainwatch.metrics.history import AthleteFacts, History
from strainwatch.rules.registry import effective
from tests.support import clock
from tests.support.histories import make_run, steady

pytestmark = pytest.mark.clock  # swept by --clock-sweep

UTC = ZoneInfo("UTC")
T = effective({})


def _history(today: date) -> list[Run]:
    """Eight steady weeks (about 40 km, a 12 km Sunday) ending yesterday."""
    return [r for r in steady(today - timedelta(weeks=8), 8) if r.local_date < today]


def _planned(day: date, km: float | None, minutes: float | None = None, uid: str = "p") -> PlannedRun:
    return PlannedRun(
        uid, day, None if km is None else km * 1000, None if minutes is None else minutes * 60, "csv"
    )


@pytest.fixture
def today() -> date:
    return clock.now().date()


def test_a_planned_spike_is_a_forecast_with_its_numbers_and_the_capped_version(today: date) -> None:
    runs = _history(today)
    day = today + timedelta(days=4)
    outlook = forecast(runs, AthleteFacts(), T, [_planned(day, 28, uid="long")], today=today, zone=UTC)
    [spike] = [f for f in outlook.forecasts if f.rule == "long-run-spike"]
    longest = max(r.distance_m for r in runs if r.local_date >= day - timedelta(days=30)) / 1000
    ceiling = guidance(History.build(runs, today, AthleteFacts()), today, T).next_run_ceiling_km
    assert spike.severity == Severity.WARNING  # more than twice the 30-day longest
    assert spike.key == "long-run-spike:long" and spike.day == day
    assert f"planned 28.0 km ({day.day} {day:%b}) is {28 / longest:.1f}x your 30-day longest" in spike.text
    assert spike.text.endswith("the long run spike rule would warn")
    assert (
        ceiling is not None
        and spike.capped == f"28.0 km -> up to {ceiling:.1f} km, or move it after a lighter week"
    )
    assert spike.numbers["reference_km"] == pytest.approx(longest, abs=0.01)
    assert (
        spike.numbers["capped_km"] == round(ceiling, 1) and "next_run_ceiling_km" not in spike.numbers
    )  # one ceiling


def test_a_plan_that_keeps_to_the_rules_makes_no_forecast(today: date) -> None:
    plan = [_planned(today + timedelta(days=d), 6, uid=f"p{d}") for d in (1, 3, 5)]
    outlook = forecast(_history(today), AthleteFacts(), T, plan, today=today, zone=UTC)
    assert outlook.forecasts == [] and len(outlook.planned) == 3


def test_a_week_climbing_too_fast_is_one_forecast_with_its_ceiling(today: date) -> None:
    plan = [_planned(today + timedelta(days=d), 13, uid=f"p{d}") for d in range(1, 6)]  # 65 km in 5 days
    outlook = forecast(_history(today), AthleteFacts(), T, plan, today=today, zone=UTC)
    [week] = [f for f in outlook.forecasts if f.rule == "weekly-volume-jump"]
    assert week.severity == Severity.CAUTION and week.key == "weekly-volume-jump:plan"
    assert "with the plan hold" in week.text and "would call for caution" in week.text
    assert week.numbers["capped_km"] is not None and "-> up to" in week.capped


def test_the_real_history_is_never_changed_nor_forecast(today: date) -> None:
    runs = [
        *_history(today),
        make_run(999, today - timedelta(days=1), 30.0),
    ]  # a real spike: an alert's business
    before = list(runs)
    outlook = forecast(
        runs, AthleteFacts(), T, [_planned(today + timedelta(days=3), 6)], today=today, zone=UTC
    )
    assert runs == before
    assert all(999 not in f.numbers.values() and f.day > today for f in outlook.forecasts)
    assert not any(f.rule == "long-run-spike" for f in outlook.forecasts)


@pytest.mark.parametrize("real_km", [28.0, 10.0], ids=["at plan", "under plan"])
def test_todays_planned_run_once_run_is_history_not_plan(today: date, real_km: float) -> None:
    planned = [_planned(today, 28, uid="long")]
    ahead = forecast(_history(today), AthleteFacts(), T, planned, today=today, zone=UTC)
    assert [f.rule for f in ahead.forecasts if f.rule == "long-run-spike"] == ["long-run-spike"]
    runs = [*_history(today), make_run(999, today, real_km)]
    ran = forecast(runs, AthleteFacts(), T, planned, today=today, zone=UTC)
    assert ran.planned == [] and [p.uid for p in ran.done] == ["long"]  # no double count
    assert ran.forecasts == []


def test_a_skipped_run_is_not_counted_and_the_rest_is_replanned(today: date) -> None:
    skipped = _planned(today - timedelta(days=1), 12, uid="skipped")
    ahead, over = in_effect(
        [skipped, _planned(today + timedelta(days=2), 8, uid="next")], _history(today), today
    )
    assert [p.uid for p in ahead] == ["next"] and [p.uid for p in over] == ["skipped"]


def test_a_run_planned_by_time_gets_the_runners_usual_pace(today: date) -> None:
    outlook = forecast(
        _history(today),
        AthleteFacts(),
        T,
        [_planned(today + timedelta(days=1), None, 60)],
        today=today,
        zone=UTC,
    )
    [run] = outlook.planned
    assert run.distance_m == pytest.approx(10_000, rel=0.06)  # an hour at about 6:00/km


def test_runs_beyond_the_horizon_are_left_for_later(today: date) -> None:
    outlook = forecast(
        _history(today), AthleteFacts(), T, [_planned(today + timedelta(days=15), 40)], today=today, zone=UTC
    )
    assert outlook.planned == [] and outlook.forecasts == []


def test_a_plan_climbing_for_two_weeks_is_one_weekly_forecast_its_first_episode(today: date) -> None:
    plan = [_planned(today + timedelta(days=d), 8 + d, uid=f"p{d}") for d in range(1, 14, 2)]
    outlook = forecast(_history(today), AthleteFacts(), T, plan, today=today, zone=UTC)
    weekly = [f for f in outlook.forecasts if f.rule == "weekly-volume-jump"]
    assert len(weekly) == 1 and len({f.key for f in outlook.forecasts}) == len(outlook.forecasts)
