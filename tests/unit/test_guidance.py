"""One guidance model: a day's limits are the strictest of every enabled rule's advice, the
rules quote the same numbers, and every quantity is spelt in the athlete's units."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from strainwatch.alerts.guidance import guidance, guidance_lines, left_out_sentence
from strainwatch.domain import Run
from strainwatch.metrics.history import History
from strainwatch.rules.registry import RULES, effective
from strainwatch.units import climb_mark, distance_mark, pace_mark, say
from strainwatch.views.words import numbers_sentence, setting_words
from tests.support import clock
from tests.support.histories import make_run, shifted, steady

pytestmark = pytest.mark.clock  # swept by --clock-sweep

KEYS = ("_km", "_pct", "ceiling", "[[")


def _start() -> date:
    """A Monday 12 weeks before the test clock's day."""
    today = clock.now().date()
    return today - timedelta(weeks=12, days=today.weekday())


def _comeback() -> tuple[list[Run], date]:
    """Eight steady weeks, 12 days off, then a short run back and a long one the same day."""
    start = _start()
    runs = steady(start, 8)
    back = runs[-1].local_date + timedelta(days=12)
    return [*runs, make_run(900, back, 6.0), make_run(901, back, 2.2 * 12.0)], back


def _findings(
    runs: list[Run], day: date, overrides: dict[str, dict[str, object]] | None = None
) -> dict[str, Any]:
    t = effective(overrides or {})
    h = History.build(runs, day)
    found = {rule_id: RULES[rule_id].evaluate(h, day, t) for rule_id in t}
    return {"t": t, "h": h, "found": found, "g": guidance(h, day, t)}


def test_the_day_has_one_next_run_number_the_strictest_with_its_rule_and_reason() -> None:
    runs, day = _comeback()
    r = _findings(runs, day)
    g = r["g"]
    runs_advised = [c for c in g.advised if c.scope == "run"]
    assert {c.rule for c in runs_advised} == {"long-run-spike", "return-after-layoff"}
    assert g.next_run is not None and g.next_run.metres == min(c.metres for c in runs_advised)
    assert g.next_run.rule == "return-after-layoff" and "days off" in g.next_run.reason
    [spike] = r["found"]["long-run-spike"]
    [layoff] = r["found"]["return-after-layoff"]
    # the alerts quote the day's number, never a looser one of their own
    assert spike.numbers["next_run_ceiling_km"] == layoff.numbers["next_run_ceiling_km"]
    assert spike.numbers["next_run_ceiling_km"] == pytest.approx(g.next_run.metres / 1000, abs=0.01)
    assert say(distance_mark(g.next_run.metres), "km") in say(spike.advice, "km")
    assert layoff.numbers["next_week_ceiling_km"] == pytest.approx(g.next_week.metres / 1000, abs=0.01)


def test_a_disabled_rule_sets_no_limit() -> None:
    runs, day = _comeback()
    g = _findings(runs, day, {"return-after-layoff": {"enabled": False}})["g"]
    assert g.next_run is not None and g.next_run.rule == "long-run-spike"
    assert all(c.rule != "return-after-layoff" for c in g.advised)


def test_the_window_longest_says_which_runs_it_leaves_out() -> None:
    runs, day = _comeback()
    g = _findings(runs, day)["g"]
    assert [r.activity_id for r in g.longest.left_out] == [901]  # the spike is not the new normal
    assert g.longest.metres == pytest.approx(
        max(r.distance_m for r in runs if r.activity_id != 901 and r.local_date > day - timedelta(days=30))
    )
    said = left_out_sentence(g.longest, "mi")
    assert f"16.4 mi on {day} (spikes:" in said and "km" not in said and "treadmill" not in said


def test_a_treadmill_run_is_left_out_of_the_longest_and_said_so() -> None:
    runs, day = _comeback()
    treadmill = shifted(make_run(902, day, 30.0), trainer=True)
    g = _findings([*runs, treadmill], day)["g"]
    assert 902 in [r.activity_id for r in g.longest.left_out]
    assert g.longest.metres is not None and g.longest.metres < 30_000
    assert f"30.0 km on {day} (treadmill or typed in" in left_out_sentence(g.longest, "km")


def test_a_miles_athlete_reads_no_km_and_no_key() -> None:
    runs, day = _comeback()
    r = _findings(runs, day)
    texts = guidance_lines(r["g"], "mi")
    for f in (f for found in r["found"].values() for f in found):
        texts += [
            say(f.title, "mi"),
            say(f.summary, "mi"),
            say(f.advice, "mi"),
            numbers_sentence(f.numbers, "mi"),
        ]
        texts += [say(m, "mi") for m in f.modifiers]
    for rule_id in r["t"]:
        texts += setting_words(rule_id, r["t"].of(rule_id), "mi", RULES[rule_id].defaults)
    assert texts
    for text in texts:
        assert " km" not in text and "/km" not in text, text
        assert not any(key in text for key in KEYS), text


def test_marks_are_spelt_in_each_unit() -> None:
    text = f"{distance_mark(21740)} with {climb_mark(2139)} at {pace_mark(300)}"
    assert say(text, "km") == "21.7 km with 2,139 m at 5:00/km"
    assert say(text, "mi") == "13.5 mi with 7,018 ft at 8:03/mi"
    assert say("no marks, 5 km", "mi") == "no marks, 5 km"  # text stored before marks is left alone


def test_a_ratio_over_next_to_no_descent_is_said_in_absolute_terms() -> None:
    start = _start()
    runs = [make_run(i + 1, start + timedelta(days=2 * i), 8.0, descent=5.0) for i in range(20)]
    day = runs[-1].local_date + timedelta(days=2)
    hilly = make_run(999, day, 8.0, descent=2139.0)
    [found] = RULES["hill-spike"].evaluate(History.build([*runs, hilly], day), day, effective({}))
    title = say(found.title, "km")
    assert title == "2,139 m of descent after 30 days with almost none" and "x your" not in title


def test_thresholds_read_as_words() -> None:
    said = setting_words(
        "long-run-spike",
        effective({"long-run-spike": {"caution": 0.2}}).of("long-run-spike"),
        "mi",
        RULES["long-run-spike"].defaults,
    )
    assert "a caution from +20 % (default +10 %)" in said and "a warning from +100 %" in said
    assert "only when longer by at least 0.6 mi" in said
    assert setting_words("pain-note", effective({}).of("pain-note"), "km")[0].endswith(" words")
