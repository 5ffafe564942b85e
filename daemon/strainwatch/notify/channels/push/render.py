"""Notifications for a phone: a short title, the numbers, the one-line advice, a link to the
alert's page when `[web] public_url` is set, and a reference that ties a resend to the first
copy (and to the mail about the same news). Digests become a short summary.

Pure: everything comes in as arguments. Every line is stripped of control characters, so
activity data cannot break a service's title or message field.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from strainwatch.notify.chart import Chart
from strainwatch.notify.notification import Notification, Recipient, header_text, reference
from strainwatch.notify.render import (
    AlertContent,
    DigestContent,
    alert_subject,
    digest_subject_of,
    message_id,
    named_not_counted,
)
from strainwatch.units import distance_text
from strainwatch.views.words import numbers_sentence

TITLE_LIMIT = 100
LINE_LIMIT = 240
MAX_DIGEST_LINES = 5


push_ref = reference  # the name this module's callers know


def _first_line(text: str) -> str:
    """The first sentence or line, for a phone's one line of advice."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    sentence, dot, _rest = line.partition(". ")
    return header_text(sentence + dot.strip() if dot else line, LINE_LIMIT)


def _push(
    key: str,
    recipient: Recipient,
    sender: str,
    title: str,
    lines: Sequence[str],
    *,
    now: datetime,
    severity: str | None,
    alert_keys: Sequence[str] = (),
    link: str | None = None,
) -> Notification:
    body = [header_text(line, LINE_LIMIT) for line in lines if line.strip()]
    if link:
        body.append(link)
    body.append(f"ref {push_ref(key)}")
    return Notification(
        key=key,
        message_id=message_id(key, sender),
        recipient=recipient,
        subject=header_text(title, TITLE_LIMIT),
        text="\n".join(body),
        html="",
        created_at=now,
        severity=severity,
        alert_keys=tuple(alert_keys),
    )


def push_alert(
    a: AlertContent, recipient: Recipient, sender: str, now: datetime, link: str | None = None
) -> Notification:
    """One finding: the same idempotency key as its mail."""
    lines = [a.summary or numbers_sentence(a.numbers, a.units), _first_line(a.advice), *a.limits[:1]]
    if a.also:
        lines.append(f"+ {len(a.also)} more about the same run or day")
    key = f"{a.fingerprint}:{a.severity}"
    return _push(
        key,
        recipient,
        sender,
        alert_subject(a),
        lines,
        now=now,
        severity=a.severity,
        alert_keys=[a.fingerprint],
        link=link,
    )


def push_digest(
    d: DigestContent, recipient: Recipient, sender: str, now: datetime, link: str | None = None
) -> Notification:
    """A digest as a short summary: one line per finding (at most five), then the rest counted."""
    lines = [f"{f.severity.capitalize()}: {f.title}" for f in d.findings[:MAX_DIGEST_LINES]]
    if len(d.findings) > MAX_DIGEST_LINES:
        lines.append(f"+ {len(d.findings) - MAX_DIGEST_LINES} more")
    old = sum(d.late.values())
    if old:
        lines.append(f"{old} finding(s) in older runs")
    if d.resolved:
        lines.append(f"{len(d.resolved)} no longer the case")
    lines += d.withdrawn[:MAX_DIGEST_LINES]
    lines += [f"Not counted: {line}" for line in named_not_counted(d.not_counted, 2)]
    g = d.guidance
    if g.next_run is not None:
        lines.append(f"Next run: under {distance_text(g.next_run.metres, d.units)}")
    key = f"digest:{recipient.athlete_id}:{d.period}"
    title = f"Digest {d.period}: {digest_subject_of(d)}"
    severity = d.findings[0].severity if d.findings else None
    return _push(
        key,
        recipient,
        sender,
        title,
        lines,
        now=now,
        severity=severity,
        alert_keys=[a.fingerprint for a in d.findings],
        link=link,
    )


def push_notice(
    recipient: Recipient, sender: str, subject: str, body: str, *, key: str, now: datetime
) -> Notification:
    """An operational notice, cut to a few lines."""
    lines = [line for line in body.strip().splitlines() if line.strip()][:3]
    return _push(key, recipient, sender, subject, lines, now=now, severity=None)


class PushRenderer:
    """A phone's few lines of each message, with the link to its page (no chart)."""

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
        return push_alert(content, recipient, sender, now, link)

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
        return push_digest(content, recipient, sender, now, link)

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
        return push_notice(recipient, sender, subject, short or text, key=key, now=now)
