"""Every threshold key is honoured: an override changes its rule's result, and the results of
the rules and the guidance that reuse its signal, in the same direction."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from strainwatch.alerts.guidance import guidance
from strainwatch.domain import Finding, Severity, Shoe
from strainwatch.kinds import parse_settings
from strainwatch.metrics.history import AthleteFacts, History
from strainwatch.rules.base import Thresholds
from strainwatch.rules.registry import RULES, effective, evaluate_day
from strainwatch.units import say
from tests.support import rule_scenarios
from tests.support.clock import this_monday
from tests.support.histories import make_run, steady
from tests.support.rule_scenarios import SCENARIOS, Scenario


def run_rule(scenario: Scenario, thresholds: Thresholds, rule: str | None = None) -> list[Finding]:
    history = History.build(scenario.runs, scenario.last, scenario.facts)
    found: list[Finding] = []
    day = scenario.first
    while day <= scenario.last:
        found += [f for f in evaluate_day(history, day, thresholds) if rule is None or f.rule == rule]
        day += timedelta(days=1)
    return found


def _candidates(value: Any) -> list[Any]:
    if isinstance(value, tuple):
        return [("zzz-not-a-word",)]
    return [0.0, value * 0.5, value * 2, value * 10, 1000.0]


def _key_params() -> list[tuple[str, str]]:
    return [(rule_id, key) for rule_id, rule in RULES.items() for key in rule.defaults]


def test_every_rule_with_keys_has_a_scenario() -> None:
    assert {rule for rule, _ in _key_params()} == set(SCENARIOS)


@pytest.mark.parametrize(("rule", "key"), _key_params())
def test_an_override_of_every_key_changes_its_rules_result(rule: str, key: str) -> None:
    scenario = SCENARIOS[rule]()
    baseline = run_rule(scenario, effective({}), rule)
    assert baseline, f"the {rule} scenario must fire at the defaults"
    for value in _candidates(RULES[rule].defaults[key]):
        if run_rule(scenario, effective({rule: {key: value}}), rule) != baseline:
            return
    pytest.fail(f"no override of {rule}.{key} changed {rule}'s findings")


def _athlete_thresholds(tmp_path: Path, global_rules: str, athlete_rules: str) -> Thresholds:
    """Through the config file: global [rules.*] overlaid by [athletes.rules.*]."""
    text = (
        f'{global_rules}\n[[athletes]]\nid = "me"\nname = "Me"\nemail = "me@example.org"\n'
        f'{athlete_rules}\n[[athletes]]\nid = "other"\nname = "Other"\nemail = "o@example.org"\n'
    )
    settings = parse_settings(text, tmp_path / "strainwatch.toml")
    return settings.thresholds(settings.athlete("me"))


def test_the_athletes_table_overlays_the_global_one(tmp_path: Path) -> None:
    t = _athlete_thresholds(
        tmp_path,
        "[rules.long-run-spike]\ncaution = 0.2\nhigh = 0.4\n",
        "[athletes.rules.long-run-spike]\ncaution = 0.5\n",
    )
    assert t.of("long-run-spike")["caution"] == 0.5 and t.of("long-run-spike")["high"] == 0.4
    assert t.of("long-run-spike")["warning"] == RULES["long-run-spike"].defaults["warning"]


@pytest.mark.parametrize(("override", "spiked"), [("caution = 0.5", False), ("caution = 0.1", True)])
def test_a_spike_override_moves_every_rule_that_reads_the_spike(
    tmp_path: Path, override: str, spiked: bool
) -> None:
    t = _athlete_thresholds(
        tmp_path, "[rules.long-run-spike]\ncaution = 0.1\n", f"[athletes.rules.long-run-spike]\n{override}\n"
    )
    scenario = rule_scenarios.spike_dependents()
    found = {f.rule: f for f in run_rule(scenario, t)}
    assert ("long-run-spike" in found) is spiked
    assert (found["hill-spike"].severity == Severity.CAUTION) is spiked
    assert ("also a distance spike" in found["speed-novelty"].summary) is spiked
    assert (found.get("pain-note") is not None and found["pain-note"].severity == Severity.WARNING) is spiked
    rehab = found.get("rehab-mode")
    assert (rehab is not None and "a distance spike" in rehab.summary) is spiked
    day = scenario.last
    g = guidance(History.build(scenario.runs, day, scenario.facts), day, t)
    assert (g.longest_30d_km is not None and g.longest_30d_km < 17.0) is spiked  # a spike is no reference


def test_speed_hill_and_shoe_overrides_move_the_calf_modifiers(tmp_path: Path) -> None:
    day = this_monday() + timedelta(weeks=6)
    runs = [*steady(this_monday(), 6), make_run(999, day, 16.8, descent=58.0, fast_minutes=16, gear="Novo")]
    scenario = Scenario(runs, day, day, AthleteFacts(shoes=(Shoe("Novo", since=day - timedelta(days=10)),)))

    def modifiers(athlete_rules: str) -> tuple[str, ...]:
        [spike] = run_rule(scenario, _athlete_thresholds(tmp_path, "", athlete_rules), "long-run-spike")
        return spike.modifiers

    default = modifiers("")
    assert any("speed" in m for m in default) and any("new shoe" in m for m in default)
    assert not any("hilly" in m for m in default)  # 58 m is below the 90th percentile of 20-70 m
    assert not any("speed" in m for m in modifiers("[athletes.rules.speed-novelty]\nfaster = 0.5\n"))
    assert any("hilly" in m for m in modifiers("[athletes.rules.hill-spike]\npercentile = 50\n"))
    assert not any("new shoe" in m for m in modifiers("[athletes.rules.shoe-change]\nnew_days = 5\n"))


def test_next_run_and_next_week_factors_have_one_home(tmp_path: Path) -> None:
    t = _athlete_thresholds(
        tmp_path,
        "",
        "[athletes.rules.long-run-spike]\nnext_run_factor = 1.05\n"
        "[athletes.rules.weekly-volume-jump]\nnext_week_factor = 1.2\n",
    )
    [spike] = run_rule(rule_scenarios.spike(), t, "long-run-spike")
    assert "1.05 x your longest run of the last 30 days" in spike.advice
    assert spike.numbers["next_run_ceiling_km"] == pytest.approx(
        1.05 * spike.numbers["reference_km"], abs=0.01
    )
    [jump] = run_rule(rule_scenarios.jump(), t, "weekly-volume-jump")
    assert "1.2 x your weekly mean of the 2 weeks before this jump" in jump.advice
    scenario = rule_scenarios.spike()
    g = guidance(History.build(scenario.runs, scenario.last), scenario.last, t)
    assert g.next_run_factor == 1.05 and g.next_week_factor == 1.2
    weekly = [c.metres / 1000 for c in g.advised if c.rule == "weekly-volume-jump"]
    assert pytest.approx(1.2 * g.last_two_weeks_mean_km) in weekly
    assert g.next_week_ceiling_km == min(c.metres for c in g.advised if c.scope == "week") / 1000


def test_return_after_layoff_advice_prints_the_values_in_effect() -> None:
    t = effective({"return-after-layoff": {"first_run": 0.5, "first_week": 0.25}})
    found = run_rule(rule_scenarios.layoff(), t, "return-after-layoff")
    typical_run, typical_week = found[0].numbers["typical_run_km"], found[0].numbers["typical_week_km"]
    said = say(found[0].advice, "km")
    assert (
        f"under {typical_week * 0.25:.1f} km (" in said
        and f"single runs under {typical_run * 0.5:.1f} km (" in said
    )


def test_shoe_and_strain_texts_print_the_values_in_effect() -> None:
    shoe = run_rule(
        rule_scenarios.shoes(), effective({"shoe-change": {"new_share": 0.3, "new_days": 14}}), "shoe-change"
    )
    assert any("at most 30 % of the week for 14 days" in f.advice for f in shoe)
    strain = run_rule(
        rule_scenarios.monotonous(), effective({"no-rest-days": {"strain_percentile": 75}}), "no-rest-days"
    )
    assert any("75th percentile" in f.summary for f in strain)
