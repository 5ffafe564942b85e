"""Mail as the runner reads it: what changed with the numbers, why it matters (grade and
citation), what to do now, the chart, how to mute the rule, the disclaimer.

Pure: everything comes in as arguments. Each mail is one content object (notify.content)
laid out by the templates as text and as HTML; the HTML autoescapes activity data, and the
subject is stripped of line breaks and control characters so a run named "x\\r\\nBcc: …"
cannot add a header.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr

from strainwatch.alerts.guidance import Guidance, guidance_lines
from strainwatch.notify.chart import Chart, chart_view
from strainwatch.notify.content import SEVERITY_COLOURS, FindingView, MailView, render_bodies
from strainwatch.notify.notification import Notification, Recipient, header_text
from strainwatch.rules.registry import RULES
from strainwatch.views.words import numbers_sentence


@dataclass(frozen=True, slots=True)
class AlertContent:
    fingerprint: str
    rule: str
    severity: str
    day: str
    title: str
    summary: str
    advice: str
    numbers: Mapping[str, object] = field(default_factory=dict)
    modifiers: Sequence[str] = ()
    activities: Sequence[str] = ()  # one line per run, from activity data: escaped on output
    previous_severity: str | None = None
    also: Sequence[str] = ()  # findings about the same run or day, inside this entry
    url: str | None = None  # the alert's web page, when [web] public_url is set
    units: str = "km"  # the athlete's: title, summary, advice come spelt in them (strainwatch.units.say)
    limits: Sequence[str] = ()  # the guidance of the alert's day (alerts.guidance.guidance_lines)
    history_url: str | None = None  # the athlete's alerts history, beside it


@dataclass(frozen=True, slots=True)
class DigestContent:
    period: str  # "2026-11-22" or "week 2026-W47"
    findings: Sequence[AlertContent]
    late: Mapping[str, int]  # rule -> alerts about old runs found by a backfill or late import
    resolved: Sequence[str]  # titles of alerts whose condition cleared
    guidance: Guidance
    units: str = "km"
    withdrawn: Sequence[str] = ()  # "the 21.7 km run on Sun 17 Jan was 9.1 km: warning withdrawn (…)"
    not_counted: Sequence[str] = ()  # every run left out of running load untold (left_out_line)


def message_id(key: str, sender: str) -> str:
    """Stable per key: a resend after a crash is recognisably the same message."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}.strainwatch@{domain}>"


def _notification(
    mail: MailView,
    recipient: Recipient,
    sender: str,
    subject: str,
    key: str,
    *,
    now: datetime,
    alert_keys: Sequence[str] = (),
) -> Notification:
    text, html = render_bodies(mail)
    return Notification(
        key=key,
        message_id=message_id(key, sender),
        recipient=recipient,
        subject=header_text(f"[strainwatch] {subject}"),
        text=text,
        html=html,
        created_at=now,
        severity=mail.findings[0].severity if mail.findings else None,
        alert_keys=tuple(alert_keys),
    )


def _finding(a: AlertContent) -> FindingView:
    return FindingView(
        rule_id=a.rule,
        severity=a.severity,
        colour=SEVERITY_COLOURS.get(a.severity, "#495057"),
        title=a.title,
        summary=a.summary,
        advice=a.advice,
        numbers=numbers_sentence(a.numbers, a.units),
        modifiers=a.modifiers,
        activities=a.activities,
        also=a.also,
        previous_severity=a.previous_severity,
        rule=RULES.get(a.rule),
        url=a.url,
        day=a.day,
        limits=a.limits,
        history_url=a.history_url,
    )


def _greeting(recipient: Recipient) -> str:
    return header_text(recipient.name, 80)


def alert_subject(a: AlertContent) -> str:
    label = a.severity.capitalize() if not a.previous_severity else f"Now a {a.severity}"
    return f"{label}: {a.title}"


def alert_message(
    a: AlertContent, recipient: Recipient, chart: Chart, sender: str, now: datetime
) -> Notification:
    mail = MailView("alert", _greeting(recipient), chart_view(chart, a.units), [_finding(a)])
    key = f"{a.fingerprint}:{a.severity}"
    return _notification(mail, recipient, sender, alert_subject(a), key, now=now, alert_keys=[a.fingerprint])


def digest_subject(
    findings: Sequence[AlertContent],
    late: Mapping[str, int],
    resolved: Sequence[str],
    *,
    withdrawn: int = 0,
    not_counted: int = 0,
) -> str:
    """The strongest entry's title, so the mailbox list alone says what it is about."""
    count, old = len(findings), sum(late.values())
    parts = []
    if count:
        lead = findings[0]
        more = f" (+{count - 1} more)" if count > 1 else ""
        parts.append(f"{lead.severity.capitalize()}: {lead.title}{more}")
    if old:
        parts.append(f"{old} in older runs")
    if resolved:
        parts.append(f"{len(resolved)} cleared")
    if withdrawn:
        parts.append(f"{withdrawn} withdrawn")
    if not_counted:
        parts.append(f"{not_counted} not counted")
    return ", ".join(parts) or "nothing new"


MAX_NOT_COUNTED = 5  # runs named in one digest; older ones are counted (a first sync of years)


def named_not_counted(lines: Sequence[str], most: int = MAX_NOT_COUNTED) -> list[str]:
    """The newest `most` of the runs left out, then how many older ones `activities` names."""
    if len(lines) <= most:
        return list(lines)
    return [*lines[-most:], f"and {len(lines) - most} older: `strainwatch activities` names them"]


def digest_subject_of(d: DigestContent) -> str:
    return digest_subject(
        d.findings, d.late, d.resolved, withdrawn=len(d.withdrawn), not_counted=len(d.not_counted)
    )


def digest_message(
    d: DigestContent, recipient: Recipient, chart: Chart, sender: str, now: datetime
) -> Notification:
    mail = MailView(
        "digest",
        _greeting(recipient),
        chart_view(chart, d.units),
        [_finding(a) for a in d.findings],
        period=d.period,
        late=", ".join(f"{n} {rule}" for rule, n in sorted(d.late.items())),
        resolved=d.resolved,
        guidance=guidance_lines(d.guidance, d.units),
        withdrawn=d.withdrawn,
        not_counted=named_not_counted(d.not_counted),
    )
    subject = f"Digest {d.period}: {digest_subject_of(d)}"
    key = f"digest:{recipient.athlete_id}:{d.period}"
    keys = [a.fingerprint for a in d.findings]
    return _notification(mail, recipient, sender, subject, key, now=now, alert_keys=keys)


def notice_message(
    recipient: Recipient, sender: str, subject: str, body: str, *, key: str, now: datetime
) -> Notification:
    """Operational notices (a sample alert, a source that needs the runner's attention)."""
    mail = MailView("notice", _greeting(recipient), body=body)
    return _notification(mail, recipient, sender, subject, key, now=now)


class FullRenderer:
    """The whole message, as a mail says it (plain text, HTML and the chart): for channels
    that show everything (email) or hand all of it on (a webhook)."""

    def alert(
        self,
        content: AlertContent,
        recipient: Recipient,
        chart: Chart,
        *,
        sender: str,
        now: datetime,
        link: str | None,
    ) -> Notification:
        return alert_message(content, recipient, chart, sender, now)

    def digest(
        self,
        content: DigestContent,
        recipient: Recipient,
        chart: Chart,
        *,
        sender: str,
        now: datetime,
        link: str | None,
    ) -> Notification:
        return digest_message(content, recipient, chart, sender, now)

    def notice(
        self,
        recipient: Recipient,
        sender: str,
        subject: str,
        text: str,
        *,
        key: str,
        now: datetime,
        short: str | None = None,
    ) -> Notification:
        return notice_message(recipient, sender, subject, text, key=key, now=now)
