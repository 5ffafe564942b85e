"""Mail as the runner reads it: what changed with the numbers, why it matters (grade and
citation), what to do now, the chart, how to mute the rule, the disclaimer.

Pure: everything comes in as arguments. Every string that may come from activity data is
escaped for HTML, and header values are stripped of line breaks and control characters so
a run named "x\\r\\nBcc: …" cannot add a header.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr
from html import escape

from strainwatch.guidance import Guidance
from strainwatch.notify.chart import Chart, chart_html, chart_text
from strainwatch.notify.notification import Notification, Recipient, header_text
from strainwatch.rules.base import DISCLAIMER
from strainwatch.rules.registry import RULES


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


def message_id(key: str, sender: str) -> str:
    """Stable per key: a resend after a crash is recognisably the same message."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}.strainwatch@{domain}>"


def _notification(
    recipient: Recipient, sender: str, subject: str, key: str, now: datetime, *, text: str, html: str,
    severity: str | None = None, alert_keys: Sequence[str] = (),
) -> Notification:  # fmt: skip
    return Notification(
        key=key, message_id=message_id(key, sender), recipient=recipient,
        subject=header_text(f"[strainwatch] {subject}"), text=text, html=html, created_at=now,
        severity=severity, alert_keys=tuple(alert_keys),
    )  # fmt: skip


def _numbers_text(numbers: Mapping[str, object]) -> str:
    return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in numbers.items())


def _alert_text(a: AlertContent) -> list[str]:
    rule = RULES.get(a.rule)
    lines = [a.title, ""]
    if a.previous_severity:
        lines.append(f"Now {a.severity} (was {a.previous_severity}): the numbers got worse.")
    lines.append(f"What we saw: {a.summary}")
    if a.also:
        lines += ["Also about this run or day:", *[f"  {line}" for line in a.also]]
    if a.numbers:
        lines.append(f"Numbers: {_numbers_text(a.numbers)}")
    if a.activities:
        lines += ["Runs:", *[f"  {line}" for line in a.activities]]
    if a.modifiers:
        lines.append("Calf risk factors that raised it: " + "; ".join(a.modifiers))
    if rule is not None:
        lines += [
            "",
            f"Why it matters: {rule.why} Evidence grade {rule.grade}: {rule.phrase} ({rule.citation}).",
        ]
    lines += ["", f"What to do now: {a.advice}"]
    return lines


def _alert_html(a: AlertContent) -> str:
    rule = RULES.get(a.rule)
    colour = {"warning": "#c92a2a", "caution": "#e67700"}.get(a.severity, "#495057")
    parts = [
        f'<h2 style="font:bold 18px sans-serif;color:{colour};margin:16px 0 6px">{escape(a.title)}</h2>',
    ]
    if a.previous_severity:
        parts.append(
            f"<p><b>Now {escape(a.severity)}</b> (was {escape(a.previous_severity)}): "
            "the numbers got worse.</p>"
        )
    parts.append(f"<p><b>What we saw:</b> {escape(a.summary)}</p>")
    if a.also:
        parts.append(
            "<p>Also about this run or day:</p><ul>"
            + "".join(f"<li>{escape(line)}</li>" for line in a.also)
            + "</ul>"
        )
    if a.numbers:
        parts.append(f'<p style="color:#495057">{escape(_numbers_text(a.numbers))}</p>')
    if a.activities:
        parts.append("<ul>" + "".join(f"<li>{escape(line)}</li>" for line in a.activities) + "</ul>")
    if a.modifiers:
        parts.append(f"<p>Calf risk factors that raised it: {escape('; '.join(a.modifiers))}</p>")
    if rule is not None:
        parts.append(
            f"<p><b>Why it matters:</b> {escape(rule.why)} <i>Evidence grade {escape(rule.grade)}: "
            f"{escape(rule.phrase)}</i> ({escape(rule.citation)}).</p>"
        )
    parts.append(f'<p style="background:#f1f3f5;padding:8px"><b>What to do now:</b> {escape(a.advice)}</p>')
    return "".join(parts)


def _mute(rule_id: str) -> tuple[str, str]:
    text = f"To mute this rule, add to your config:\n  [athletes.rules.{rule_id}]\n  enabled = false"
    html = (
        f'<p style="font:12px sans-serif;color:#868e96">To mute this rule, add '
        f"<code>[athletes.rules.{escape(rule_id)}]</code> <code>enabled = false</code> to your config.</p>"
    )
    return text, html


def _page(body: str) -> str:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
        '<body style="font:14px/1.45 sans-serif;color:#212529;max-width:640px;margin:0 auto;padding:12px">'
        f"{body}"
        f'<p style="font:12px sans-serif;color:#868e96;border-top:1px solid #dee2e6;padding-top:8px">'
        f"{escape(DISCLAIMER)}</p></body></html>"
    )


def alert_subject(a: AlertContent) -> str:
    label = a.severity.capitalize() if not a.previous_severity else f"Now a {a.severity}"
    return f"{label}: {a.title}"


def alert_message(
    a: AlertContent, recipient: Recipient, chart: Chart, sender: str, now: datetime
) -> Notification:
    mute_text, mute_html = _mute(a.rule)
    greeting = f"Hello {header_text(recipient.name, 80)},"
    text = "\n".join(
        [
            greeting,
            "",
            *_alert_text(a),
            "",
            f"{chart.title}:",
            chart_text(chart),
            "",
            mute_text,
            "",
            DISCLAIMER,
        ]
    )
    html = _page(
        f"<p>Hello {escape(recipient.name)},</p>{_alert_html(a)}"
        f'<h3 style="font:bold 14px sans-serif;margin:16px 0 6px">{escape(chart.title)}</h3>'
        f"{chart_html(chart)}{mute_html}"
    )
    key = f"{a.fingerprint}:{a.severity}"
    return _notification(
        recipient, sender, alert_subject(a), key, now, text=text, html=html, severity=a.severity,
        alert_keys=[a.fingerprint],
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class DigestContent:
    period: str  # "2026-11-22" or "week 2026-W47"
    findings: Sequence[AlertContent]
    late: Mapping[str, int]  # rule -> alerts about old runs found by a backfill or late import
    resolved: Sequence[str]  # titles of alerts whose condition cleared
    guidance: Guidance


def _guidance_lines(g: Guidance) -> list[str]:
    lines = []
    if g.next_run_ceiling_km is not None:
        lines.append(
            f"Next run: under {g.next_run_ceiling_km:.1f} km "
            f"({g.next_run_factor:g} x your {g.window_days}-day longest)."
        )
    if g.next_week_ceiling_km is not None:
        lines.append(
            f"Next 7 days: up to {g.next_week_ceiling_km:.0f} km "
            f"({g.next_week_factor:g} x your recent weekly mean of "
            f"{g.last_two_weeks_mean_km:.0f} km; some evidence, grade B/C)."
        )
    return lines


def digest_subject(findings: Sequence[AlertContent], late: Mapping[str, int], resolved: Sequence[str]) -> str:
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
    return ", ".join(parts) or "nothing new"


def digest_message(
    d: DigestContent, recipient: Recipient, chart: Chart, sender: str, now: datetime
) -> Notification:
    subject = f"Digest {d.period}: {digest_subject(d.findings, d.late, d.resolved)}"
    text: list[str] = [
        f"Hello {header_text(recipient.name, 80)},",
        "",
        f"Your strainwatch digest for {d.period}.",
    ]
    html: list[str] = [
        f"<p>Hello {escape(recipient.name)},</p><p>Your strainwatch digest for {escape(d.period)}.</p>"
    ]
    for item in d.findings:
        text += ["", f"[{item.severity}] " + "\n".join(_alert_text(item))]
        html.append(_alert_html(item))
    if d.late:
        summary = ", ".join(f"{n} {rule}" for rule, n in sorted(d.late.items()))
        line = f"Found in older runs (imported late or in a first sync, not mailed one by one): {summary}."
        text += [
            "",
            line,
            "See them with: strainwatch alerts --all; the mail they would have made day by "
            "day: strainwatch backtest --mail",
        ]
        html.append(
            f"<p>{escape(line)} See them with <code>strainwatch alerts --all</code>; the mail they would "
            "have made day by day: <code>strainwatch backtest --mail</code>.</p>"
        )
    if d.resolved:
        text += ["", "No longer the case:", *[f"  {t}" for t in d.resolved]]
        html.append(
            "<p><b>No longer the case:</b></p><ul>"
            + "".join(f"<li>{escape(t)}</li>" for t in d.resolved)
            + "</ul>"
        )
    guidance = _guidance_lines(d.guidance)
    if guidance:
        text += ["", "For the coming week:", *[f"  {g}" for g in guidance]]
        html.append(
            "<p><b>For the coming week:</b></p><ul>"
            + "".join(f"<li>{escape(g)}</li>" for g in guidance)
            + "</ul>"
        )
    text += ["", f"{chart.title}:", chart_text(chart), "", DISCLAIMER]
    html.append(
        f'<h3 style="font:bold 14px sans-serif;margin:16px 0 6px">{escape(chart.title)}</h3>'
        + chart_html(chart)
    )
    key = f"digest:{recipient.athlete_id}:{d.period}"
    severity = d.findings[0].severity if d.findings else None
    keys = [f.fingerprint for f in d.findings]
    return _notification(
        recipient, sender, subject, key, now, text="\n".join(text), html=_page("".join(html)),
        severity=severity, alert_keys=keys,
    )  # fmt: skip


def notice_message(
    recipient: Recipient, sender: str, subject: str, body: str, *, key: str, now: datetime
) -> Notification:
    """Operational notices (a sample alert, a source that needs the runner's attention)."""
    text = f"Hello {header_text(recipient.name, 80)},\n\n{body}\n"
    html = _page(f"<p>Hello {escape(recipient.name)},</p><p>{escape(body)}</p>")
    return _notification(recipient, sender, subject, key, now, text=text, html=html)
