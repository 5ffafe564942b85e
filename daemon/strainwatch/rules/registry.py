"""Every rule by its stable id, and evaluation of a day with the thresholds in effect."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from strainwatch.domain import Finding
from strainwatch.metrics.history import History
from strainwatch.rules import (
    acwr,
    fatigue,
    hill_spike,
    long_run_spike,
    no_rest_days,
    pain_note,
    rehab,
    return_after_layoff,
    shoe_change,
    shoe_mileage,
    speed_novelty,
    weekly_volume_jump,
)
from strainwatch.rules.base import Rule, Thresholds

RULES: dict[str, Rule] = {
    module.RULE.id: module.RULE
    for module in (
        long_run_spike,
        weekly_volume_jump,
        return_after_layoff,
        speed_novelty,
        hill_spike,
        no_rest_days,
        fatigue,
        acwr,
        shoe_mileage,
        shoe_change,
        pain_note,
        rehab,
    )
}


def effective(overrides: Mapping[str, Mapping[str, Any]]) -> Thresholds:
    """The settings in effect: every rule's defaults, then `overrides` (already validated, the
    global table overlaid by the athlete's); a rule with `enabled = false` is left out of the
    evaluation but its values still serve the rules that reuse its signal."""
    values: dict[str, dict[str, Any]] = {}
    enabled = set()
    for rule_id, rule in RULES.items():
        settings: dict[str, Any] = {**rule.defaults, **overrides.get(rule_id, {})}
        if settings.pop("enabled", True):
            enabled.add(rule_id)
        values[rule_id] = settings
    return Thresholds(values, frozenset(enabled))


def evaluate_day(
    history: History,
    day: date,
    thresholds: Thresholds,
    failed: dict[str, tuple[date, str]] | None = None,
) -> list[Finding]:
    """All findings about `day`, from data up to `day` only.

    With `failed`, a rule that raises is skipped and its first failure (day, error) noted
    there, so one broken rule never silences the others; without, the error propagates.
    """
    findings: list[Finding] = []
    for rule_id in thresholds:
        if failed is None:
            findings.extend(RULES[rule_id].evaluate(history, day, thresholds))
            continue
        try:
            findings.extend(RULES[rule_id].evaluate(history, day, thresholds))
        except Exception as error:  # a bug in one rule: reported by the caller, the others run
            failed.setdefault(rule_id, (day, f"{type(error).__name__}: {error}".splitlines()[0]))
    return findings


def period_rules(rule_ids: Iterable[str]) -> frozenset[str]:
    """The rules among `rule_ids` whose alerts are about a period, not a run."""
    return frozenset(r for r in rule_ids if RULES[r].kind == "period")
