"""The mail policy (notify.mailbox) and the mailbox preview built on it."""

from __future__ import annotations

from collections import Counter
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from strainwatch.domain import Severity
from strainwatch.metrics.history import AthleteFacts
from strainwatch.notify.mailbox import Pending, entries, plan
from strainwatch.notify.preview import preview_mailbox
from strainwatch.rules.registry import effective
from tests.support.clock import this_monday, today
from tests.support.histories import make_run, steady

pytestmark = pytest.mark.clock


def pending(
    key: str,
    severity: Severity = Severity.CAUTION,
    *,
    rule: str = "long-run-spike",
    day: date | None = None,
    active: bool = True,
    told: bool = False,
    late: bool = False,
    ids: tuple[int, ...] = (),
    is_period: bool = False,
    cleared_told: bool = False,
) -> Pending:
    return Pending(key, rule, severity, day or today(), active, late, told, cleared_told, ids, is_period)


def digest(alerts: list[Pending], recent: list[date] | None = None) -> list[str]:
    out = plan(alerts, today=today(), digest_due=True, recent_mail_days=recent or [])
    return [m.kind for m in out.mails]


def test_an_info_that_appears_and_clears_is_no_mail() -> None:
    fresh_info = pending("a", Severity.INFO, rule="speed-novelty")
    assert digest([fresh_info]) == []
    cleared = pending("a", Severity.INFO, rule="no-rest-days", active=False, day=today() - timedelta(days=8))
    assert digest([cleared]) == []


def test_an_info_that_holds_a_week_is_news() -> None:
    held = pending("a", Severity.INFO, rule="no-rest-days", day=today() - timedelta(days=7), is_period=True)
    assert digest([held]) == ["digest"]


def test_acwr_never_makes_a_mail_but_rides_along() -> None:
    acwr = pending("r", Severity.INFO, rule="acwr", day=today() - timedelta(days=30), is_period=True)
    assert digest([acwr]) == []
    out = plan([acwr, pending("s", ids=(7,))], today=today(), digest_due=True, recent_mail_days=[])
    [mail] = out.mails
    assert {p.rule for e in mail.entries for p in e.members} == {"acwr", "long-run-spike"}


def test_cleared_lines_ride_along_only() -> None:
    told_then_cleared = pending("w", rule="weekly-volume-jump", active=False, told=True, is_period=True)
    assert digest([told_then_cleared]) == []
    out = plan(
        [told_then_cleared, pending("s", ids=(7,))], today=today(), digest_due=True, recent_mail_days=[]
    )
    assert [p.key for p in out.mails[0].cleared] == ["w"]
    aged_run_alert = pending("old", active=False, told=True, is_period=False)
    out = plan([aged_run_alert, pending("s")], today=today(), digest_due=True, recent_mail_days=[])
    assert out.mails[0].cleared == ()  # a run's alert ageing out is not "no longer the case"


def test_the_same_run_or_day_is_one_entry_led_by_the_strongest() -> None:
    spike = pending("spike", Severity.CAUTION, ids=(9,))
    jump = pending("jump", Severity.CAUTION, rule="weekly-volume-jump", ids=(5, 9), is_period=True)
    hill = pending("hill", Severity.INFO, rule="hill-spike", ids=(9,))
    other_day = pending(
        "speed", Severity.INFO, rule="speed-novelty", ids=(3,), day=today() - timedelta(days=3)
    )
    grouped = entries([hill, jump, spike, other_day])
    assert [e.lead.key for e in grouped] == ["spike", "speed"]
    assert {p.key for p in grouped[0].also} == {"jump", "hill"}


def test_a_warning_goes_at_once_with_its_companions_and_not_again_in_the_digest() -> None:
    warning = pending("spike", Severity.WARNING, ids=(9,))
    jump = pending("jump", rule="weekly-volume-jump", ids=(9,), is_period=True)
    out = plan([warning, jump], today=today(), digest_due=False, recent_mail_days=[])
    [mail] = out.mails
    assert mail.kind == "alert" and mail.entries[0].lead.key == "spike"
    assert [p.key for p in mail.entries[0].also] == ["jump"]
    both = plan([warning, jump], today=today(), digest_due=True, recent_mail_days=[])
    assert [m.kind for m in both.mails] == ["alert"]  # nothing left for a digest


def test_a_fourth_mail_in_seven_days_waits_but_a_warning_never_does() -> None:
    three = [today() - timedelta(days=d) for d in (1, 3, 6)]
    assert digest([pending("c")], three) == []
    assert plan([pending("c")], today=today(), digest_due=True, recent_mail_days=three).held
    assert digest([pending("c")], [today() - timedelta(days=d) for d in (1, 3, 7)]) == ["digest"]
    assert digest([pending("w", Severity.WARNING)], three) == ["alert"]


def test_late_findings_are_summed_up_once() -> None:
    old = pending("o", late=True, active=False)
    out = plan([old], today=today(), digest_due=True, recent_mail_days=[])
    assert [p.key for p in out.mails[0].late] == ["o"]
    assert digest([pending("o", late=True, told=True)]) == []


def test_preview_lists_a_planted_spike_on_its_day_and_steady_training_is_silent() -> None:
    start = this_monday()
    runs = steady(start, 8)
    spike_day = start + timedelta(weeks=8, days=6)
    longest = max(r.distance_m for r in runs[-12:]) / 1000
    quiet = preview_mailbox(
        runs,
        AthleteFacts(),
        effective({}),
        athlete_id="me",
        zone=ZoneInfo("Europe/Berlin"),
        schedule="daily",
        digest_time="07:00",
        pass_time=time(20, 0),
        until=spike_day,
    )
    assert quiet.mails == []
    loud = preview_mailbox(
        [
            *runs,
            make_run(999, spike_day, longest * 1.4),
            make_run(1000, spike_day + timedelta(days=3), longest * 3),
        ],
        AthleteFacts(),
        effective({}),
        athlete_id="me",
        zone=ZoneInfo("Europe/Berlin"),
        schedule="daily",
        digest_time="07:00",
        pass_time=time(20, 0),
    )
    first, second = loud.mails[:2]
    assert (first.day, first.kind) == (spike_day, "digest")
    assert first.subject.startswith(f"Digest {spike_day}: Caution: Long run 40% above")
    assert (second.day, second.kind) == (spike_day + timedelta(days=3), "alert")
    assert second.subject.startswith("Warning: Long run")
    assert loud.per_month() == dict(Counter(f"{m.day:%Y-%m}" for m in loud.mails))


@pytest.mark.parametrize(
    "name",
    [
        "long-run-spike",
        "weekly-volume-jump",
        "return-after-layoff",
        "pain-note",
        "shoe-change",
        "speed-novelty",
        "hill-spike",
    ],
)
def test_every_planted_caution_or_warning_reaches_the_runner_on_its_day(name: str) -> None:
    from strainwatch.alerts.replay import replay
    from tests.support.rule_scenarios import SCENARIOS, spike_dependents

    scenario = spike_dependents() if name in ("speed-novelty", "hill-spike") else SCENARIOS[name]()
    thresholds = effective({})
    raised = [
        a
        for a in replay(scenario.runs, scenario.facts, thresholds).alerts
        if a.finding.severity >= Severity.CAUTION
    ]
    assert any(a.finding.rule == name for a in raised)
    mails = preview_mailbox(
        scenario.runs,
        scenario.facts,
        thresholds,
        athlete_id="me",
        zone=ZoneInfo("UTC"),
        schedule="daily",
        digest_time="07:00",
        pass_time=time(20, 0),
        until=scenario.last,
    ).mails
    for alert in raised:
        f = alert.finding
        said = [
            m
            for m in mails
            if m.day == alert.raised_on
            and any(
                f"{f.severity.label} {f.rule}:" in line or f"{f.severity.label} ({f.rule}):" in line
                for line in m.findings
            )
        ]
        assert said, (alert.raised_on, f.rule, f.severity, [(m.day, m.findings) for m in mails])


def test_a_told_warning_withdrawn_after_a_correction_is_said_in_the_next_mail() -> None:
    """The runner heard of a long-run warning, then said the run was shorter: the next mail
    that goes says it no longer holds; a run alert merely ageing out is not said."""
    from dataclasses import replace

    withdrawn = replace(
        pending("w", Severity.WARNING, active=False, told=True, day=today() - timedelta(days=3)),
        withdrawn=True,
    )
    aged = pending("o", Severity.WARNING, active=False, told=True, day=today() - timedelta(days=20))
    news = pending("n", Severity.CAUTION, rule="weekly-volume-jump", is_period=True)
    assert digest([withdrawn]) == []  # not news on its own
    [mail] = plan([withdrawn, aged, news], today=today(), digest_due=True, recent_mail_days=[]).mails
    assert [p.key for p in mail.cleared] == ["w"]
