"""Each planted pattern raises its rule at the documented severity; steady training does not."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import pytest

from strainwatch.domain import Finding, Injury, Run, Severity, Shoe
from strainwatch.metrics.history import AthleteFacts, History
from strainwatch.rules.registry import RULES, effective, evaluate_day
from tests.support.clock import this_monday
from tests.support.histories import EASY, make_run, steady

pytestmark = pytest.mark.clock

THRESHOLDS = effective({})


def findings(
    runs: Iterable[Run], first: date, last: date, facts: AthleteFacts | None = None
) -> list[Finding]:
    runs = list(runs)
    history = History.build(runs, last, facts)
    out: list[Finding] = []
    day = first
    while day <= last:
        out.extend(evaluate_day(history, day, THRESHOLDS))
        day += timedelta(days=1)
    return out


def of(found: list[Finding], rule: str) -> list[Finding]:
    return [f for f in found if f.rule == rule]


def test_six_months_of_steady_training_raise_no_caution_or_warning() -> None:
    runs = steady(this_monday(), 26)
    found = findings(runs, this_monday(), this_monday() + timedelta(weeks=26))
    loud = [f for f in found if f.severity >= Severity.CAUTION]
    assert loud == [], [(f.rule, f.day, f.summary) for f in loud]


def test_long_run_40_percent_above_the_30_day_longest() -> None:
    runs = steady(this_monday(), 8)
    longest = max(r.distance_m for r in runs[-12:]) / 1000
    day = this_monday() + timedelta(weeks=8, days=6)
    spike = make_run(999, day, longest * 1.4)
    [finding] = of(findings([*runs, spike], day, day), "long-run-spike")
    assert finding.severity == Severity.CAUTION
    assert finding.numbers["increase_pct"] == pytest.approx(40, abs=0.5)
    assert finding.activity_ids == (999,)
    assert "1.1 x your longest run of the last 30 days" in finding.advice


@pytest.mark.parametrize(
    ("factor", "severity"),
    [(1.09, None), (1.11, Severity.CAUTION), (1.5, Severity.CAUTION), (2.01, Severity.WARNING)],
)
def test_long_run_spike_thresholds(factor: float, severity: Severity | None) -> None:
    runs = steady(this_monday(), 6)
    longest = (
        max(r.distance_m for r in runs if r.local_date > this_monday() + timedelta(weeks=6, days=-30)) / 1000
    )
    day = this_monday() + timedelta(weeks=6)
    found = of(findings([*runs, make_run(999, day, longest * factor)], day, day), "long-run-spike")
    assert [f.severity for f in found] == ([severity] if severity else [])


def test_long_run_spike_needs_one_more_kilometre() -> None:
    runs = [
        make_run(1, this_monday(), 3.0),
        make_run(2, this_monday() + timedelta(days=2), 3.8),
    ]  # +27 % but 0.8 km
    assert of(findings(runs, this_monday(), this_monday() + timedelta(days=2)), "long-run-spike") == []


def test_two_calf_modifiers_make_a_spike_a_warning() -> None:
    runs = steady(this_monday(), 6)
    day = this_monday() + timedelta(weeks=6)
    spike = make_run(999, day, 16.0, gear="Barefoot")
    facts = AthleteFacts(birth_year=day.year - 45, shoes=(Shoe("Barefoot", ("minimalist",)),))
    [finding] = of(findings([*runs, spike], day, day, facts), "long-run-spike")
    assert finding.severity == Severity.WARNING
    assert any("age" in m for m in finding.modifiers) and any("minimalist" in m for m in finding.modifiers)


def test_eight_weeks_near_40_then_a_58_km_week() -> None:
    runs = steady(this_monday(), 8)
    week = this_monday() + timedelta(weeks=8)
    jump = [
        make_run(900 + i, week + timedelta(days=d), km)
        for i, (d, km) in enumerate([(0, 11), (2, 9), (3, 11), (5, 10), (6, 17)])
    ]
    found = of(
        findings([*runs, *jump], week + timedelta(days=6), week + timedelta(days=6)), "weekly-volume-jump"
    )
    [finding] = found
    assert finding.severity == Severity.CAUTION
    assert finding.numbers["last_7_days_km"] == pytest.approx(58, abs=0.1)


def test_weekly_jump_needs_three_weeks_of_history() -> None:
    runs = [make_run(i, this_monday() + timedelta(days=i), 5 + i) for i in range(14)]
    assert of(findings(runs, this_monday(), this_monday() + timedelta(days=13)), "weekly-volume-jump") == []


def test_twelve_day_layoff_then_a_full_volume_week() -> None:
    runs = steady(this_monday(), 8)
    back = this_monday() + timedelta(weeks=8, days=12)
    comeback = [
        make_run(900 + i, back + timedelta(days=d), km) for i, (d, km) in enumerate([(0, 8), (1, 8), (3, 10)])
    ]
    found = of(findings([*runs, *comeback], back, back + timedelta(days=3)), "return-after-layoff")
    assert found and all(f.severity == Severity.CAUTION for f in found)
    assert found[0].numbers["gap_days"] >= 10
    assert "Walk first" in found[0].advice
    assert len({f.period for f in found}) == 1  # one alert for the whole return


def test_gentle_return_is_quiet() -> None:
    runs = steady(this_monday(), 8)
    back = this_monday() + timedelta(weeks=8, days=12)
    found = of(findings([*runs, make_run(900, back, 3.0)], back, back), "return-after-layoff")
    assert found == []


def test_first_interval_session_in_a_month() -> None:
    runs = steady(this_monday(), 6)
    day = this_monday() + timedelta(weeks=6, days=2)
    intervals = make_run(999, day, 7.0, fast_minutes=16)
    [finding] = of(findings([*runs, intervals], day, day), "speed-novelty")
    assert finding.severity == Severity.INFO
    assert finding.numbers["fast_minutes"] == pytest.approx(16, abs=0.1)
    again = make_run(1000, day + timedelta(days=5), 7.0, fast_minutes=16)
    assert of(findings([*runs, intervals, again], again.local_date, again.local_date), "speed-novelty") == []


def test_big_descent() -> None:
    runs = steady(this_monday(), 6)
    day = this_monday() + timedelta(weeks=6, days=2)
    [finding] = of(findings([*runs, make_run(999, day, 8.0, descent=420)], day, day), "hill-spike")
    assert finding.severity == Severity.INFO
    assert finding.numbers["descent_m"] == 420


def test_eleven_days_in_a_row() -> None:
    runs = steady(this_monday(), 4)
    first = this_monday() + timedelta(weeks=4, days=1)  # after a rest day
    streak = [make_run(900 + i, first + timedelta(days=i), 6.0) for i in range(11)]
    found = of(findings([*runs, *streak], first, first + timedelta(days=10)), "no-rest-days")
    assert found and found[-1].numbers["consecutive_days"] == 11
    assert all(f.severity == Severity.INFO for f in found)
    assert not [f for f in found if f.numbers["consecutive_days"] < 10 and "in a row" in f.summary]


def test_minimalist_shoe_at_40_km_a_week() -> None:
    runs = steady(this_monday(), 6)
    week = this_monday() + timedelta(weeks=6)
    minimal = [
        make_run(900 + i, week + timedelta(days=d), km, gear="Vivo")
        for i, (d, km) in enumerate([(0, 8), (2, 6), (3, 8), (5, 6), (6, 12)])
    ]
    facts = AthleteFacts(shoes=(Shoe("Vivo", ("minimalist",)),))
    found = of(findings([*runs, *minimal], week, week + timedelta(days=6), facts), "shoe-change")
    assert found and found[-1].severity == Severity.CAUTION
    assert found[-1].numbers["shoe_km_7d"] == pytest.approx(40, abs=0.1)


def test_calf_tight_then_a_run_the_next_day() -> None:
    runs = steady(this_monday(), 4)
    day = this_monday() + timedelta(weeks=4, days=2)
    noted = make_run(900, day, 6.0, text="Easy run. Left calf tight at the end")
    next_day = make_run(901, day + timedelta(days=1), 6.0)
    found = of(findings([*runs, noted, next_day], day, day + timedelta(days=1)), "pain-note")
    assert [f.severity for f in found] == [Severity.CAUTION, Severity.WARNING]
    assert found[1].activity_ids == (900, 901)


def test_pain_words_are_whole_words_in_several_languages() -> None:
    from strainwatch.rules.pain_note import DEFAULTS, pain_words

    assert pain_words(make_run(1, this_monday(), 5, text="Wade zwickt, Schmerzen"), DEFAULTS) == [
        "wade",
        "schmerzen",
    ]
    assert pain_words(make_run(1, this_monday(), 5, text="calfskin gloves, painless"), DEFAULTS) == []
    assert pain_words(make_run(1, this_monday(), 5, text="Douleur au MOLLET"), DEFAULTS) == [
        "mollet",
        "douleur",
    ]


def test_rehab_mode_flags_consecutive_days() -> None:
    runs = steady(this_monday(), 4)
    injury_day = this_monday() + timedelta(weeks=4)
    facts = AthleteFacts(injuries=(Injury(1, injury_day, "soleus"),))
    back = [
        make_run(900, injury_day + timedelta(days=10), 3.0),
        make_run(901, injury_day + timedelta(days=11), 3.0),
    ]
    found = of(findings([*runs, *back], injury_day, injury_day + timedelta(days=11), facts), "rehab-mode")
    assert [f.activity_ids for f in found] == [(901,)]
    closed = AthleteFacts(injuries=(Injury(1, injury_day, "soleus", closed=injury_day + timedelta(days=5)),))
    assert (
        of(findings([*runs, *back], injury_day, injury_day + timedelta(days=11), closed), "rehab-mode") == []
    )


def test_treadmill_and_manual_runs_are_no_spikes() -> None:
    runs = steady(this_monday(), 6)
    day = this_monday() + timedelta(weeks=6)
    tread = make_run(999, day, 30.0)
    for flag in ("trainer", "manual"):
        from dataclasses import replace

        odd = replace(tread, **{flag: True})
        assert of(findings([*runs, odd], day, day), "long-run-spike") == []


def test_every_rule_has_evidence_and_defaults() -> None:
    for rule in RULES.values():
        assert rule.grade[0] in "ABCD" and rule.citation and rule.why and rule.needs
    assert set(RULES) >= {
        "long-run-spike",
        "weekly-volume-jump",
        "return-after-layoff",
        "speed-novelty",
        "hill-spike",
        "no-rest-days",
        "fatigue",
        "acwr",
        "shoe-mileage",
        "shoe-change",
        "pain-note",
    }


def test_shoe_mileage_fires_once_per_threshold() -> None:
    runs = [make_run(i + 1, this_monday() + timedelta(days=i), 10.0, gear="Pegasus") for i in range(90)]
    found = of(findings(runs, this_monday(), this_monday() + timedelta(days=89)), "shoe-mileage")
    assert [f.numbers["threshold_km"] for f in found] == [500.0, 800.0]
    assert all(f.severity == Severity.INFO for f in found)


def test_easy_pace_reference() -> None:
    runs = steady(this_monday(), 5)
    h = History.build(runs, this_monday() + timedelta(weeks=5))
    easy = h.easy_pace(this_monday() + timedelta(weeks=5))
    assert easy is not None and abs(easy - EASY) < 0.05 * EASY


def test_a_ride_recorded_as_a_run_is_not_running_load() -> None:
    runs = steady(this_monday(), 6)
    day = this_monday() + timedelta(weeks=6)
    ride = make_run(999, day, 22.0, pace=106)  # 1:46/km: a bike, not a runner
    assert not ride.is_running
    assert of(findings([*runs, ride], day, day), "long-run-spike") == []
    assert make_run(1000, day, 10.0, pace=170).is_running  # a fast runner is still a runner


def test_trimp_load_drives_acwr_and_fitness_and_fills_missing_heart_rate() -> None:
    from dataclasses import replace

    from strainwatch.metrics.load import banister_trimp

    runs = [replace(r, avg_hr=150.0) for r in steady(this_monday(), 6)]
    runs[-1] = replace(runs[-1], avg_hr=None)  # a forgotten strap
    facts = AthleteFacts(load="trimp", hr_rest=50, hr_max=190)
    h = History.build(runs, runs[-1].local_date, facts)
    first = runs[0]
    expected = banister_trimp(first.moving_time_s / 60, (150 - 50) / 140)
    assert h.load[0] == pytest.approx(expected)
    last = runs[-1]
    per_minute = expected / (first.moving_time_s / 60)
    assert h.load[h.index(last.local_date)] == pytest.approx(per_minute * last.moving_time_s / 60, rel=0.05)
    assert h.km[0] == pytest.approx(first.distance_m / 1000)  # distance rules keep kilometres
    assert h.ctl[-1] > 10  # TRIMP units, not kilometres


def test_trimp_needs_heart_rates_in_the_config(tmp_path: object) -> None:
    from pathlib import Path

    from strainwatch.errors import ConfigError
    from strainwatch.kinds import parse_settings

    base = '[[athletes]]\nid = "me"\nname = "S"\nemail = "s@e.org"\nload = "trimp"\n'
    with pytest.raises(ConfigError, match="needs hr_rest and hr_max"):
        parse_settings(base, Path(str(tmp_path)) / "c.toml")
    ok = parse_settings(base + "hr_rest = 50\nhr_max = 185\n", Path(str(tmp_path)) / "c.toml")
    assert ok.athletes[0].load == "trimp"


def test_guidance_ceilings_and_a_spike_is_no_new_reference() -> None:
    from strainwatch.alerts.guidance import guidance

    runs = steady(this_monday(), 6)
    day = this_monday() + timedelta(weeks=6, days=1)
    h = History.build(runs, day)
    g = guidance(h, day, THRESHOLDS)
    longest = max(r.distance_m for r in runs if r.local_date > day - timedelta(days=30)) / 1000
    assert g.longest_30d_km == pytest.approx(longest)
    assert g.next_run_ceiling_km == pytest.approx(1.1 * longest)
    assert g.next_week_ceiling_km == pytest.approx(1.3 * g.last_two_weeks_mean_km)
    spiked = History.build([*runs, make_run(999, day, longest * 2)], day)
    assert guidance(spiked, day, THRESHOLDS).next_run_ceiling_km == pytest.approx(1.1 * longest)
