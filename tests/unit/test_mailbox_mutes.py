"""Muted rules in the mail policy: left out while the mute holds, judged again after it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from strainwatch.domain import Severity
from strainwatch.notify.mailbox import Pending, muted_rules, plan
from tests.support.clock import today

pytestmark = pytest.mark.clock


def until() -> date:
    """Muted today and the next two days; the rule speaks again on this day."""
    return today() + timedelta(days=3)


def mutes() -> dict[str, date]:
    return {"long-run-spike": until()}


def pending(
    key: str,
    severity: Severity = Severity.WARNING,
    *,
    rule: str = "long-run-spike",
    day: date | None = None,
    active: bool = True,
    told: bool = False,
    late: bool = False,
    ids: tuple[int, ...] = (),
    is_period: bool = False,
) -> Pending:
    return Pending(key, rule, severity, day or today(), active, late, told, False, ids, is_period)


def mailed(alerts: list[Pending], today: date, *, digest_due: bool = False) -> list[list[str]]:
    """The keys in each planned mail, leads first."""
    out = plan(alerts, today=today, digest_due=digest_due, recent_mail_days=[], mutes=mutes())
    return [
        [p.key for e in m.entries for p in e.members] + [p.key for p in m.late + m.cleared] for m in out.mails
    ]


def test_the_mute_holds_until_its_day() -> None:
    assert muted_rules(mutes(), today()) == {"long-run-spike"}
    assert muted_rules(mutes(), until() - timedelta(days=1)) == {"long-run-spike"}
    assert muted_rules(mutes(), until()) == frozenset()


def test_a_muted_warning_is_not_mailed_and_another_rule_is() -> None:
    spike = pending("spike", ids=(1,))
    jump = pending(
        "jump", rule="weekly-volume-jump", day=today() - timedelta(days=2), ids=(2,), is_period=True
    )
    assert mailed([spike, jump], today()) == [["jump"]]
    assert mailed([spike], today(), digest_due=True) == []


def test_a_muted_finding_does_not_ride_inside_another_rules_mail() -> None:
    spike = pending("spike", Severity.CAUTION, ids=(1,))
    hills = pending("hills", rule="hill-spike", ids=(1,))  # the same run
    assert mailed([spike, hills], today()) == [["hills"]]


def test_muted_news_makes_no_digest() -> None:
    caution = pending("c", Severity.CAUTION)
    late = pending("old", late=True, day=today() - timedelta(days=20))
    assert mailed([caution, late], today(), digest_due=True) == []


def test_a_warning_that_started_during_the_mute_and_still_holds_mails_when_it_ends() -> None:
    """The runner was never told: when the mute ends, an active warning is news at once."""
    spike = pending("spike", day=today() + timedelta(days=1), ids=(1,))
    assert mailed([spike], until() - timedelta(days=1)) == []
    assert mailed([spike], until()) == [["spike"]]


def test_what_came_and_went_during_the_mute_is_never_told() -> None:
    gone = pending("gone", day=today() + timedelta(days=1), active=False, is_period=True)
    assert mailed([gone], until(), digest_due=True) == []


def test_a_warning_told_before_the_mute_is_not_told_again_after_it() -> None:
    told = pending("spike", told=True)
    assert mailed([told], until(), digest_due=True) == []


def test_a_cleared_line_waits_for_the_end_of_the_mute() -> None:
    cleared = pending("jump", rule="weekly-volume-jump", active=False, told=True, is_period=True)
    other = pending("shoe", Severity.CAUTION, rule="shoe-mileage", day=today() - timedelta(days=1))
    muted = {"weekly-volume-jump": until()}
    during = plan([cleared, other], today=today(), digest_due=True, recent_mail_days=[], mutes=muted)
    assert [m.cleared for m in during.mails] == [()]
    after = plan([cleared, other], today=until(), digest_due=True, recent_mail_days=[], mutes=muted)
    assert [p.key for p in after.mails[0].cleared] == ["jump"]
