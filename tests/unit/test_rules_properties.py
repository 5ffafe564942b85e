"""Properties of the engine: no look-ahead, order independence, idempotence, scale invariance."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from strainwatch.alerts.reconcile import AlertState, fingerprint, reconcile
from strainwatch.alerts.replay import replay
from strainwatch.domain import Finding, Severity
from strainwatch.metrics.history import AthleteFacts, History
from strainwatch.rules.registry import RULES, effective, evaluate_day, period_rules
from tests.support.histories import make_run, steady

START = date(2026, 1, 5)
THRESHOLDS = effective({})


def _noisy_history(seed: int) -> list:  # type: ignore[type-arg]
    rnd = random.Random(seed)
    runs = steady(START, 10, seed=seed)
    extra_day = START + timedelta(days=rnd.randint(35, 69))
    runs.append(
        make_run(
            500,
            extra_day,
            rnd.uniform(10, 30),
            fast_minutes=rnd.choice([0, 15]),
            descent=rnd.choice([40, 400]),
            text=rnd.choice(["", "calf tight"]),
        )
    )
    return runs


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(30, 69))
def test_no_look_ahead(seed: int, cut: int) -> None:
    """What day D yields does not change when the future is removed from the history."""
    runs = _noisy_history(seed)
    day = START + timedelta(days=cut)
    full = History.build(runs, START + timedelta(days=75))
    truncated = History.build([r for r in runs if r.local_date <= day], day)
    assert evaluate_day(full, day, THRESHOLDS) == evaluate_day(truncated, day, THRESHOLDS)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10_000), st.randoms())
def test_result_does_not_depend_on_arrival_order(seed: int, rnd: random.Random) -> None:
    runs = _noisy_history(seed)
    shuffled = list(runs)
    rnd.shuffle(shuffled)
    a = replay(runs, AthleteFacts(), THRESHOLDS)
    b = replay(shuffled, AthleteFacts(), THRESHOLDS)
    assert a.alerts == b.alerts


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([0.5, 1.609344, 2.0]))
def test_ratio_rules_are_scale_invariant(seed: int, scale: float) -> None:
    """Spikes and jumps are ratios: the same pattern in miles or at twice the volume fires alike."""
    ratio_rules = effective(
        {
            **{
                rule: {"enabled": False}
                for rule in RULES
                if rule not in ("long-run-spike", "weekly-volume-jump")
            },
            "long-run-spike": {"min_increase_km": 0.0},
            "weekly-volume-jump": {"min_increase_km": 0.0, "min_baseline_km": 0.0},
        }
    )
    runs = _noisy_history(seed)
    scaled = [
        replace(r, distance_m=r.distance_m * scale, moving_time_s=r.moving_time_s * scale) for r in runs
    ]
    a = replay(runs, AthleteFacts(), ratio_rules)
    b = replay(scaled, AthleteFacts(), ratio_rules)
    assert [(x.raised_on, x.finding.rule, x.finding.severity) for x in a.alerts] == [
        (x.raised_on, x.finding.rule, x.finding.severity) for x in b.alerts
    ]


def _finding(
    rule: str = "long-run-spike",
    severity: Severity = Severity.CAUTION,
    period: str = "activity:1",
    day: date = START,
) -> Finding:
    return Finding(rule, severity, day, period, "t", "s", "a", {"x": 1}, (1,))


NOW = datetime(2026, 1, 5, 20, tzinfo=UTC)


def test_reconcile_is_idempotent_and_escalates() -> None:
    first = reconcile(
        "sam", {}, [_finding()], today=START, period_rules=frozenset(), activity_start={1: NOW}, now=NOW
    )
    assert len(first.created) == 1 and not first.created[0][1]
    fp = fingerprint("sam", _finding())
    state = {fp: AlertState(fp, "long-run-spike", Severity.CAUTION, START, False, True)}
    again = reconcile(
        "sam", state, [_finding()], today=START, period_rules=frozenset(), activity_start={1: NOW}, now=NOW
    )
    assert again.empty
    worse = reconcile(
        "sam",
        state,
        [_finding(severity=Severity.WARNING)],
        today=START,
        period_rules=frozenset(),
        activity_start={1: NOW},
        now=NOW,
    )
    assert [(f, was) for f, _, was in worse.escalated] == [(fp, Severity.CAUTION)]


def test_period_alert_resolves_when_the_condition_clears() -> None:
    f = _finding("weekly-volume-jump", period="since:2026-01-05")
    fp = fingerprint("sam", f)
    state = {fp: AlertState(fp, f.rule, f.severity, START, True, True)}
    cleared = reconcile(
        "sam",
        state,
        [],
        today=START + timedelta(days=1),
        period_rules=frozenset({f.rule}),
        activity_start={},
        now=NOW,
    )
    assert cleared.resolved == [fp]
    held = reconcile(
        "sam", state, [f], today=START, period_rules=frozenset({f.rule}), activity_start={}, now=NOW
    )
    assert held.resolved == []


def test_old_activity_is_late_and_activity_alerts_age_out() -> None:
    old = NOW - timedelta(hours=80)
    changes = reconcile(
        "sam", {}, [_finding()], today=START, period_rules=frozenset(), activity_start={1: old}, now=NOW
    )
    assert changes.created[0][1] is True
    fp = fingerprint("sam", _finding())
    state = {fp: AlertState(fp, "long-run-spike", Severity.CAUTION, START, False, True)}
    later = reconcile(
        "sam",
        state,
        [],
        today=START + timedelta(days=15),
        period_rules=frozenset(),
        activity_start={},
        now=NOW,
    )
    assert later.resolved == [fp]


def test_period_rule_names() -> None:
    assert period_rules(THRESHOLDS) == {
        "weekly-volume-jump",
        "no-rest-days",
        "fatigue",
        "acwr",
        "shoe-change",
    }
