"""The mailbox preview: the mail the current config would have sent over a stored history.

One pass a day at `pass_time` local, each seeing the runs dated up to that day, exactly as
the live pass does: the same replay (backtest.replay_days), the same alert bookkeeping as
evaluation.write_ledger, the same plan (notify.mailbox) and the same subjects (notify.render).
Pure: runs and settings come in, a list of mails comes out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from strainwatch.alerts.replay import Ledger, replay_days
from strainwatch.domain import Finding, Run, Severity
from strainwatch.metrics.history import AthleteFacts, History
from strainwatch.notify.mailbox import Entry, Pending, plan
from strainwatch.notify.notification import header_text
from strainwatch.notify.policy import digest_due
from strainwatch.notify.render import AlertContent, alert_subject, digest_subject
from strainwatch.rules.base import Thresholds
from strainwatch.rules.registry import RULES
from strainwatch.units import say
from strainwatch.views.activity import left_out_reason


@dataclass(slots=True)
class _Stored:
    """One alert as the store would hold it after the day's pass."""

    finding: Finding
    day: date
    active: bool
    late: bool
    previous: Severity | None = None
    told: bool = False
    cleared_told: bool = False

    def pending(self, key: str) -> Pending:
        f = self.finding
        return Pending(
            key,
            f.rule,
            f.severity,
            self.day,
            self.active,
            self.late,
            self.told,
            self.cleared_told,
            f.activity_ids,
            RULES[f.rule].kind == "period",
        )

    def content(self, key: str, also: Sequence[str] = ()) -> AlertContent:
        f = self.finding
        return AlertContent(
            fingerprint=key,
            rule=f.rule,
            severity=f.severity.label,
            day=self.day.isoformat(),
            title=f.title,
            summary=f.summary,
            advice=f.advice,
            also=also,
            previous_severity=self.previous.label if self.previous else None,
        )


@dataclass(frozen=True, slots=True)
class PreviewMail:
    day: date
    kind: str  # "alert" or "digest"
    subject: str
    findings: tuple[str, ...]  # one line per finding: the entry leads, "also" lines, late, cleared

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "kind": self.kind,
            "subject": self.subject,
            "findings": list(self.findings),
        }


@dataclass(slots=True)
class MailboxPreview:
    first: date
    last: date
    pass_time: time
    mails: list[PreviewMail] = field(default_factory=list)

    def per_month(self) -> dict[str, int]:
        return dict(sorted(Counter(m.day.strftime("%Y-%m") for m in self.mails).items()))

    @property
    def months(self) -> float:
        return max(1.0, ((self.last - self.first).days + 1) / 30.44)

    def busiest_week(self) -> tuple[int, date]:
        days = [m.day for m in self.mails]
        return max(
            ((sum(1 for d in days if start <= d < start + timedelta(days=7)), start) for start in days),
            default=(0, self.first),
        )


def _line(p: Pending, title: str, prefix: str = "") -> str:
    return f"{prefix}{p.severity.label} {p.rule}: {title}"


def preview_mailbox(
    runs: Sequence[Run],
    facts: AthleteFacts,
    thresholds: Thresholds,
    *,
    athlete_id: str,
    zone: ZoneInfo,
    schedule: str,
    digest_time: str,
    pass_time: time,
    until: date | None = None,
    units: str = "km",
) -> MailboxPreview:
    """Replay every day from the first run to `until` (default: a week after the last run)."""
    from strainwatch.notify.dispatch import also_line

    ordered = sorted(runs, key=lambda r: (r.start, r.activity_id))
    if not ordered:
        day = until or date.min
        return MailboxPreview(day, day, pass_time)
    first = ordered[0].local_date
    last = until or ordered[-1].local_date + timedelta(days=7)
    history = History.build(ordered, last, facts)
    out = MailboxPreview(first, last, pass_time)
    states: dict[str, Any] = {}
    store: dict[str, _Stored] = {}
    last_digest: date | None = None
    left_out = [
        (r, why)
        for r in ordered
        if r.counted is None and (why := left_out_reason(r.sport_type, r.distance_m, r.moving_time_s, units))
    ]
    day = first
    while day <= last:
        now = datetime.combine(day, pass_time, zone)
        ledger = replay_days(
            history,
            day,
            day,
            thresholds,
            Ledger(states=states),
            athlete_id=athlete_id,
            clock=lambda d: datetime.combine(d, pass_time, zone),  # = now: one day is replayed
        )
        for key, marked in ledger.latest.items():
            finding = replace(
                marked,
                title=say(marked.title, units),
                summary=say(marked.summary, units),
                advice=say(marked.advice, units),
            )
            stored = store.get(key)
            if stored is None:
                store[key] = _Stored(finding, finding.day, True, ledger.created.get(key, False))
                continue
            if key in ledger.escalated:
                stored.previous, stored.active, stored.told = ledger.escalated[key], True, False
            stored.finding = finding
        for key in ledger.resolved:
            store[key].active = False
        due = digest_due(now, schedule, digest_time, last_digest)
        if due:
            last_digest = day
        recent = [m.day for m in out.mails if day - m.day < timedelta(days=7)]
        pending = [s.pending(k) for k, s in store.items()]
        untold = [(r, why) for r, why in left_out if r.local_date <= day]
        planned = plan(pending, today=day, digest_due=due, recent_mail_days=recent, not_counted=len(untold))
        for mail in planned.mails:
            lines: list[str] = []
            contents = []
            for entry in mail.entries:
                also = [also_line(p, store[p.key].finding.title) for p in entry.also]
                contents.append(store[entry.lead.key].content(entry.lead.key, also))
                lines.append(_line(entry.lead, store[entry.lead.key].finding.title))
                lines += [f"  also {a}" for a in also]
                _mark_told(store, entry)
            lines += [_line(p, store[p.key].finding.title, "older run: ") for p in mail.late]
            lines += [_line(p, store[p.key].finding.title, "cleared: ") for p in mail.cleared]
            for p in mail.late:
                store[p.key].told = True
            for p in mail.cleared:
                store[p.key].cleared_told = True
            if mail.kind == "alert":
                subject = alert_subject(contents[0])
            else:
                iso = day.isocalendar()
                period = f"week {iso.year}-W{iso.week:02d}" if schedule == "weekly" else day.isoformat()
                late = dict(Counter(p.rule for p in mail.late))
                cleared = [store[p.key].finding.title for p in mail.cleared]
                said = digest_subject(contents, late, cleared, not_counted=len(untold))
                subject = f"Digest {period}: {said}"
                lines += [f"not counted: {r.local_date}: {why}" for r, why in untold]
                left_out = left_out[len(untold) :]
            out.mails.append(PreviewMail(day, mail.kind, header_text(subject), tuple(lines)))
        day += timedelta(days=1)
    return out


def _mark_told(store: dict[str, _Stored], entry: Entry) -> None:
    for p in entry.members:
        store[p.key].told = True


def preview_text(athlete_id: str, preview: MailboxPreview, schedule: str, digest_time: str) -> str:
    lines = [
        f"{athlete_id}: the mail of {preview.first} to {preview.last}, one pass a day at "
        f"{preview.pass_time:%H:%M} (digest {schedule} from {digest_time})"
    ]
    for m in preview.mails:
        lines.append(f"  {m.day}  {m.kind:<6}  {m.subject}")
        lines += [f"                      {f}" for f in m.findings]
    count, (busiest, start) = len(preview.mails), preview.busiest_week()
    lines.append(
        f"{count} mails in {preview.months:.1f} months: {count / preview.months:.1f} a month; "
        f"busiest 7 days: {busiest} from {start}"
    )
    lines.append("per month: " + (", ".join(f"{m} {n}" for m, n in preview.per_month().items()) or "none"))
    return "\n".join(lines)


def preview_json(athlete_id: str, preview: MailboxPreview) -> dict[str, Any]:
    busiest, start = preview.busiest_week()
    return {
        "athlete": athlete_id,
        "first": preview.first.isoformat(),
        "last": preview.last.isoformat(),
        "pass_time": f"{preview.pass_time:%H:%M}",
        "mails": [m.as_json() for m in preview.mails],
        "per_month": preview.per_month(),
        "mails_per_month": round(len(preview.mails) / preview.months, 2),
        "busiest_7_days": {"mails": busiest, "from": start.isoformat()},
    }
