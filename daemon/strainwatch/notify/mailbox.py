"""What reaches the runner's mailbox, decided from the alerts alone. Pure: no store, no clock.

The same plan drives the live pass (notify/dispatch) and the mailbox preview
(`strainwatch backtest --mail`), so the preview lists exactly the mail the pass would send.

- A mail carries news: a new or worse caution or warning, findings in old runs (a first sync
  or a late import), or an info that has held for `INFO_NEWS_DAYS` without a mail to ride
  along with. An info that appears and clears before that is not news on its own; `acwr` is
  display-only and never news; "cleared" lines (a condition the runner was told about no
  longer holds, or a run alert withdrawn after a correction) and the runs left out of running
  load ("not counted") only ride along, each said once.
- Findings about the same run or the same day are one entry, led by the strongest.
- A warning goes at once, with the untold findings about the same run or day inside it. Other
  news waits for the digest; a digest that would be the fourth mail in 7 days waits for a
  later one (warnings never wait).
- A muted rule (`strainwatch mute`) is left out while the mute holds: no mail carries it, not
  even inside another's entry, and nothing is marked told. When the mute ends, what still
  holds is judged like anything untold (a warning still active goes at once); what came and
  went during the mute is never told.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from strainwatch.domain import Severity
from strainwatch.rules.registry import RULES

DISPLAY_ONLY = frozenset({"acwr"})  # EVIDENCE.md: display and digest only
INFO_NEWS_DAYS = 7  # an info still standing after a week without other mail is news
MAX_MAILS_PER_WEEK = 3  # digests beyond this in any 7 days wait; warnings never do


@dataclass(frozen=True, slots=True)
class Pending:
    """One alert as the mail policy sees it."""

    key: str  # the fingerprint
    rule: str
    severity: Severity
    day: date  # the day it is about (a run's date, or the first day of a condition)
    active: bool
    late: bool  # about a run that was already old when found
    told: bool  # the runner heard about it at this severity (at once or in a digest)
    cleared_told: bool  # the runner heard it cleared
    activity_ids: tuple[int, ...] = ()
    is_period: bool = False  # about a condition (which can clear), not about a run
    withdrawn: bool = False  # about a run the runner corrected so that it no longer holds


@dataclass(frozen=True, slots=True)
class Entry:
    """Findings about the same run or day: the strongest leads, the others ride inside it."""

    lead: Pending
    also: tuple[Pending, ...] = ()

    @property
    def members(self) -> tuple[Pending, ...]:
        return (self.lead, *self.also)


@dataclass(frozen=True, slots=True)
class PlannedMail:
    kind: str  # "alert" (a warning, at once) or "digest"
    entries: tuple[Entry, ...]
    late: tuple[Pending, ...] = ()  # summed up in a line
    cleared: tuple[Pending, ...] = ()  # "no longer the case" lines


@dataclass(slots=True)
class Plan:
    mails: list[PlannedMail] = field(default_factory=list)
    held: bool = False  # news waited: a digest now would break the weekly budget


def _order(p: Pending) -> tuple[int, bool, int, date, str]:
    """Strongest first; at equal severity the rule listed first (the better evidence)."""
    rank = list(RULES).index(p.rule) if p.rule in RULES else len(RULES)
    return (-int(p.severity), p.rule in DISPLAY_ONLY, rank, p.day, p.key)


def entries(pending: Iterable[Pending]) -> list[Entry]:
    """Group findings that share a run or a day (transitively), strongest first."""
    groups: list[list[Pending]] = []
    for p in sorted(pending, key=_order):
        joined = [
            g for g in groups if any(q.day == p.day or set(q.activity_ids) & set(p.activity_ids) for q in g)
        ]
        merged = [p]
        for g in joined:
            merged += g
            groups.remove(g)
        groups.append(merged)
    out = []
    for g in groups:
        ordered = sorted(g, key=_order)
        out.append(Entry(ordered[0], tuple(ordered[1:])))
    return sorted(out, key=lambda e: _order(e.lead))


def is_news(p: Pending, today: date) -> bool:
    if p.rule in DISPLAY_ONLY:
        return False
    if p.severity >= Severity.CAUTION:
        return True
    return p.active and (today - p.day).days >= INFO_NEWS_DAYS


def muted_rules(mutes: Mapping[str, date], today: date) -> frozenset[str]:
    """The rules whose mute holds on `today`: rule -> the first day it speaks again."""
    return frozenset(rule for rule, until in mutes.items() if today < until)


def plan(
    alerts: Sequence[Pending],
    *,
    today: date,
    digest_due: bool,
    recent_mail_days: Sequence[date],
    force_digest: bool = False,
    mutes: Mapping[str, date] | None = None,
    not_counted: int = 0,
) -> Plan:
    """The mail to send now. `recent_mail_days`: the dates of the mail sent in the last week;
    `force_digest` (`strainwatch digest --now`): a digest of whatever is untold, news or not;
    `mutes`: rule -> the first day it may be mailed again; `not_counted`: how many runs left
    out of running load the runner has not been told of (they ride along in a digest)."""
    out = Plan()
    silent = muted_rules(mutes or {}, today)
    alerts = [a for a in alerts if a.rule not in silent]
    untold = [a for a in alerts if a.active and not a.told and not a.late]
    taken: set[str] = set()
    for entry in entries(untold):
        if entry.lead.severity == Severity.WARNING:
            out.mails.append(PlannedMail("alert", (entry,)))
            taken.update(p.key for p in entry.members)
    if not (digest_due or force_digest):
        return out
    fresh = [a for a in untold if a.key not in taken]
    late = tuple(a for a in alerts if a.late and not a.told)
    # a run's alert ageing out is not news; a condition the runner heard about clearing is,
    # and so is a run alert they heard about, withdrawn because the run was corrected
    cleared = tuple(
        a for a in alerts if (a.is_period or a.withdrawn) and not a.active and a.told and not a.cleared_told
    )
    if force_digest:
        if fresh or late or cleared or not_counted:
            out.mails.append(PlannedMail("digest", tuple(entries(fresh)), late, cleared))
        return out
    if not (late or any(is_news(a, today) for a in fresh)):
        return out
    week = [d for d in recent_mail_days if today - d < timedelta(days=7)]
    if len(week) + len(out.mails) >= MAX_MAILS_PER_WEEK:
        out.held = True
        return out
    out.mails.append(PlannedMail("digest", tuple(entries(fresh)), late, cleared))
    return out
