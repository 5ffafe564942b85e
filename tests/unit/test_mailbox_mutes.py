"""Muted rules in the mail policy: left out while the mute holds, judged again after it."""

from __future__ import annotations

from datetime import date, timedelta

from strainwatch.domain import Severity
from strainwatch.notify.mailbox import Pending, muted_rules, plan

DAY = date(2026, 3, 4)
UNTIL = DAY + timedelta(days=3)  # muted on DAY, DAY+1, DAY+2; speaks again on UNTIL
MUTES = {"long-run-spike": UNTIL}


def pending(
    key: str, severity: Severity = Severity.WARNING, *, rule: str = "long-run-spike", day: date = DAY,
    active: bool = True, told: bool = False, late: bool = False, ids: tuple[int, ...] = (),
    is_period: bool = False,
) -> Pending:  # fmt: skip
    return Pending(key, rule, severity, day, active, late, told, False, ids, is_period)


def mailed(alerts: list[Pending], today: date, *, digest_due: bool = False) -> list[list[str]]:
    """The keys in each planned mail, leads first."""
    out = plan(alerts, today=today, digest_due=digest_due, recent_mail_days=[], mutes=MUTES)
    return [[p.key for e in m.entries for p in e.members] + [p.key for p in m.late + m.cleared]
            for m in out.mails]  # fmt: skip


def test_the_mute_holds_until_its_day() -> None:
    assert muted_rules(MUTES, DAY) == {"long-run-spike"}
    assert muted_rules(MUTES, UNTIL - timedelta(days=1)) == {"long-run-spike"}
    assert muted_rules(MUTES, UNTIL) == frozenset()


def test_a_muted_warning_is_not_mailed_and_another_rule_is() -> None:
    spike = pending("spike", ids=(1,))
    jump = pending("jump", rule="weekly-volume-jump", day=DAY - timedelta(days=2), ids=(2,), is_period=True)
    assert mailed([spike, jump], DAY) == [["jump"]]
    assert mailed([spike], DAY, digest_due=True) == []


def test_a_muted_finding_does_not_ride_inside_another_rules_mail() -> None:
    spike = pending("spike", Severity.CAUTION, ids=(1,))
    hills = pending("hills", rule="hill-spike", ids=(1,))  # the same run
    assert mailed([spike, hills], DAY) == [["hills"]]


def test_muted_news_makes_no_digest() -> None:
    caution = pending("c", Severity.CAUTION)
    late = pending("old", late=True, day=DAY - timedelta(days=20))
    assert mailed([caution, late], DAY, digest_due=True) == []


def test_a_warning_that_started_during_the_mute_and_still_holds_mails_when_it_ends() -> None:
    """The runner was never told: when the mute ends, an active warning is news at once."""
    spike = pending("spike", day=DAY + timedelta(days=1), ids=(1,))
    assert mailed([spike], UNTIL - timedelta(days=1)) == []
    assert mailed([spike], UNTIL) == [["spike"]]


def test_what_came_and_went_during_the_mute_is_never_told() -> None:
    gone = pending("gone", day=DAY + timedelta(days=1), active=False, is_period=True)
    assert mailed([gone], UNTIL, digest_due=True) == []


def test_a_warning_told_before_the_mute_is_not_told_again_after_it() -> None:
    told = pending("spike", told=True)
    assert mailed([told], UNTIL, digest_due=True) == []


def test_a_cleared_line_waits_for_the_end_of_the_mute() -> None:
    cleared = pending("jump", rule="weekly-volume-jump", active=False, told=True, is_period=True)
    other = pending("shoe", Severity.CAUTION, rule="shoe-mileage", day=DAY - timedelta(days=1))
    mutes = {"weekly-volume-jump": UNTIL}
    during = plan([cleared, other], today=DAY, digest_due=True, recent_mail_days=[], mutes=mutes)
    assert [m.cleared for m in during.mails] == [()]
    after = plan([cleared, other], today=UNTIL, digest_due=True, recent_mail_days=[], mutes=mutes)
    assert [p.key for p in after.mails[0].cleared] == ["jump"]
