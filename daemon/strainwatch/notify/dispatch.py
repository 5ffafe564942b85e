"""The notifications of a sync pass: notify.mailbox decides (warnings at once, held through
quiet hours; news by the digest; findings about one run or day as one entry), this module
reads the alerts, renders, queues one outbox row per channel that takes the message (each
rendered as its route's renderer says, held through its own quiet hours) and marks what the runner
was told. Every row is written before any delivery is tried.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from strainwatch.alerts.guidance import guidance, guidance_lines
from strainwatch.config.settings import AthleteSettings, Settings
from strainwatch.domain import Severity
from strainwatch.metrics.history import History
from strainwatch.notify.channels.base import Route
from strainwatch.notify.chart import weekly_chart
from strainwatch.notify.mailbox import Entry, Pending, PlannedMail, plan
from strainwatch.notify.notification import Notification, Recipient
from strainwatch.notify.outbox import enqueue, row_id
from strainwatch.notify.policy import digest_due, quiet_until
from strainwatch.notify.render import AlertContent, DigestContent
from strainwatch.notify.transport import channels_for, sender_of
from strainwatch.store.journal import active_mutes
from strainwatch.store.models import Activity, Alert, Athlete, Outbox
from strainwatch.store.runs import facts_of, load_runs
from strainwatch.units import say
from strainwatch.views.activity import format_distance, left_out_line, untold_not_counted
from strainwatch.views.alert import withdrawal_line
from strainwatch.views.links import alert_url, alerts_url

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Queued:
    subjects: list[str] = field(default_factory=list)
    parked: list[str] = field(default_factory=list)  # "what: why" for messages that could not be rendered


def recipient_of(athlete: AthleteSettings) -> Recipient:
    return Recipient(athlete.id, athlete.name, athlete.email)


def content_of(
    session: Session, alert: Alert, athlete: AthleteSettings, limits: Sequence[str] = ()
) -> AlertContent:
    """The alert as a mail or a push says it, spelt in the athlete's units; `limits`: the
    guidance lines of the alert's day."""
    lines = []
    units = athlete.units
    for activity_id in alert.activity_ids[:8]:
        activity = session.get(Activity, activity_id)
        if activity is not None:
            local = activity.start_time.astimezone(athlete.zone)
            lines.append(
                f"{local:%a %d %b}: {activity.name or activity.sport_type}, "
                f"{format_distance(activity.distance_m, athlete.units)}"
            )
    return AlertContent(
        fingerprint=alert.fingerprint,
        rule=alert.rule,
        severity=alert.severity,
        day=alert.day.isoformat(),
        title=say(alert.title, units),
        summary=say(alert.summary, units),
        advice=say(alert.advice, units),
        numbers=dict(alert.numbers),
        modifiers=[say(m, units) for m in alert.modifiers],
        activities=lines,
        previous_severity=alert.previous_severity,
        units=units,
        limits=tuple(limits),
    )


def pending_of(alert: Alert) -> Pending:
    return Pending(
        key=alert.fingerprint,
        rule=alert.rule,
        severity=Severity[alert.severity.upper()],
        day=alert.day,
        active=alert.status == "active",
        late=alert.late,
        told=alert.digest_id is not None or alert.mailed_severity is not None,
        cleared_told=alert.resolved_digest_id is not None,
        activity_ids=tuple(alert.activity_ids),
        is_period=alert.is_period,
        withdrawn=alert.withdrawn,
    )


def also_line(p: Pending, title: str) -> str:
    """A finding that rides inside another's entry, in one line."""
    return f"{p.severity.label} ({p.rule}): {title}"


def queue_notifications(
    session: Session,
    settings: Settings,
    athlete: AthleteSettings,
    now: datetime,
    *,
    force_digest: bool = False,
) -> Queued:
    """Render and queue what notify.mailbox plans for this athlete; the caller's transaction
    commits it."""
    local_now = now.astimezone(athlete.zone)
    mutes = active_mutes(session, [athlete.id], local_now.date()).get(athlete.id, {})
    # every pass asks only for untold warnings of rules not muted; the athlete's whole alert
    # list is read when there may be mail to write
    urgent = session.scalar(
        select(Alert.id)
        .where(
            Alert.athlete_id == athlete.id,
            Alert.status == "active",
            Alert.severity == "warning",
            Alert.late.is_(False),
            Alert.mailed_severity.is_(None),
            Alert.digest_id.is_(None),
            Alert.rule.not_in(list(mutes)),
        )
        .limit(1)
    )
    stored = session.get(Athlete, athlete.id)
    last = stored.last_digest_on if stored else None
    digest = digest_due(local_now, settings.notify.digest, settings.notify.digest_time, last)
    if not (urgent or digest or force_digest):
        return Queued()
    if (digest or force_digest) and stored is not None:
        stored.last_digest_on = local_now.date()
    alerts = list(session.scalars(select(Alert).where(Alert.athlete_id == athlete.id)))
    week_ago = now - timedelta(days=7)
    sent = session.scalars(
        select(Outbox.created_at).where(
            Outbox.athlete_id == athlete.id,
            Outbox.kind.in_(("alert", "digest")),
            Outbox.created_at > week_ago,
        )
    )
    recent = [aware(t).astimezone(athlete.zone).date() for t in sent]
    left_out = untold_not_counted(session, athlete.id, athlete.units) if digest or force_digest else []
    planned = plan(
        [pending_of(a) for a in alerts],
        today=local_now.date(),
        digest_due=digest,
        recent_mail_days=recent,
        force_digest=force_digest,
        mutes=mutes,
        not_counted=len(left_out),
    )
    if planned.held:
        log.info("%s: the digest waits: %d mails in the last 7 days already", athlete.id, len(recent))
    if not planned.mails:
        return Queued()
    mail = _AthleteMail(session, settings, athlete, now, alerts, left_out=left_out)
    for planned_mail in planned.mails:
        if planned_mail.kind == "alert":
            mail.queue_alert(planned_mail.entries[0])
        else:
            mail.queue_digest(planned_mail)
    return mail.queued


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes: they were stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class _AthleteMail:
    """One athlete's mail in one pass: the history and chart are built once for all of it."""

    def __init__(
        self,
        session: Session,
        settings: Settings,
        athlete: AthleteSettings,
        now: datetime,
        alerts: list[Alert],
        *,
        left_out: Sequence[tuple[Activity, str]] = (),
    ) -> None:
        self.session, self.settings, self.athlete, self.now = session, settings, athlete, now
        self.left_out = left_out  # runs left out of running load, untold: named in the digest
        self.rows = {a.fingerprint: a for a in alerts}
        self.today = now.astimezone(athlete.zone).date()
        self.sender = sender_of(settings)
        self.routes: list[Route] = channels_for(settings, athlete)
        self.history = History.build(load_runs(session, athlete), self.today, facts_of(session, athlete))
        spikes = frozenset(a.day for a in alerts if a.rule == "long-run-spike")
        self.chart = weekly_chart(self.history, self.today, settings.thresholds(athlete), spikes)
        self.queued = Queued()

    def _content(self, entry: Entry) -> AlertContent:
        row = self.rows[entry.lead.key]
        day = guidance(self.history, row.day, self.settings.thresholds(self.athlete))
        content = content_of(self.session, row, self.athlete, guidance_lines(day, self.athlete.units))
        also = [also_line(p, say(self.rows[p.key].title, self.athlete.units)) for p in entry.also]
        public = self.settings.web.public_url
        return replace(
            content, also=also, url=alert_url(public, row.id), history_url=alerts_url(public, row.athlete_id)
        )

    def _render(
        self,
        what: str,
        key: str,
        render: Callable[[], Notification],
        route: Route,
        alert_id: int | None = None,
    ) -> Notification | None:
        """The rendered message, or None when rendering fails: then a parked row with the reason
        stands in for it (listed by `outbox` and `doctor`), and the other messages go."""
        try:
            return render()
        except Exception as error:  # a bug or odd data in one message must not hold back the rest
            reason = f"cannot render: {type(error).__name__}: {error}".splitlines()[0]
            log.exception("%s for %s %s", what, self.athlete.id, reason)
            channel = route.name
            unrendered = f"<unrendered.{key}.{self.athlete.id}@strainwatch>"
            message_id = row_id(channel, unrendered, own_id=route.own_id)
            if self.session.scalar(select(Outbox.id).where(Outbox.message_id == message_id)) is None:
                self.session.add(
                    Outbox(
                        athlete_id=self.athlete.id,
                        alert_id=alert_id,
                        kind=key.split(".", 1)[0],
                        channel=channel,
                        status="parked",
                        idempotency_key=message_id,
                        message_id=message_id,
                        recipient=self.athlete.email,
                        recipient_name=self.athlete.name,
                        subject=what,
                        body_text="",
                        body_html="",
                        alert_keys=[],
                        attempts=0,
                        next_attempt_at=self.now,
                        last_error=reason,
                        created_at=self.now,
                    )
                )
            self.queued.parked.append(f"{what}: {reason}")
            return None

    def queue_alert(self, entry: Entry) -> None:
        """One row per channel that takes warnings, each held through its own quiet hours."""
        lead = self.rows[entry.lead.key]
        link = alert_url(self.settings.web.public_url, lead.id)
        told = False  # the pass reports each message once, by its first channel's subject
        for route in self.routes:
            if not route.takes("alert"):
                continue
            held = quiet_until(self.now.astimezone(self.athlete.zone), route.quiet_hours)

            def render(route: Route = route) -> Notification:  # the content, too, inside _render's guard
                content = self._content(entry)
                return route.renderer.alert(
                    content,
                    recipient_of(self.athlete),
                    self.chart,
                    sender=self.sender,
                    now=self.now,
                    link=link,
                )

            what = f"alert {lead.rule} of {lead.day}"
            message = self._render(what, f"alert.{lead.id}", render, route, lead.id)
            if message is None:  # parked once, not again on every pass
                continue
            row = enqueue(
                self.session,
                athlete_id=self.athlete.id,
                kind="alert",
                message=message,
                now=self.now,
                not_before=held,
                alert_id=lead.id,
                channel=route.name,
                own_id=route.own_id,
            )
            if row is not None and not told:
                self.queued.subjects.append(message.subject)
                told = True
        channels = [route.name for route in self.routes if route.takes("alert")]
        log.info(
            "%s: %s %s of %s queued for %s",
            self.athlete.id,
            lead.severity,
            lead.rule,
            lead.day,
            ", ".join(channels),
        )
        for p in entry.members:
            self.rows[p.key].mailed_severity = p.severity.label

    def queue_digest(self, planned: PlannedMail) -> None:
        iso = self.today.isocalendar()
        weekly = self.settings.notify.digest == "weekly"
        units, zone = self.athlete.units, self.athlete.zone
        content = DigestContent(
            period=f"week {iso.year}-W{iso.week:02d}" if weekly else self.today.isoformat(),
            findings=[self._content(e) for e in planned.entries],
            late=dict(Counter(p.rule for p in planned.late)),
            resolved=[say(self.rows[p.key].title, units) for p in planned.cleared if not p.withdrawn],
            guidance=guidance(self.history, self.today, self.settings.thresholds(self.athlete)),
            units=units,
            withdrawn=[
                withdrawal_line(self.session, self.rows[p.key], zone, units)
                for p in planned.cleared
                if p.withdrawn
            ],
            not_counted=not_counted_lines(self.left_out, zone),
        )
        link = alerts_url(self.settings.web.public_url, self.athlete.id)  # every finding it sums up
        digest_row: Outbox | None = None
        for route in self.routes:
            if not route.takes("digest"):
                continue
            render = partial(
                route.renderer.digest,
                content,
                recipient_of(self.athlete),
                self.chart,
                sender=self.sender,
                now=self.now,
                link=link,
            )
            what, key = f"digest of {self.today}", f"digest.{self.today}"
            message = self._render(what, key, render, route)
            if message is None:
                continue
            row = enqueue(
                self.session,
                athlete_id=self.athlete.id,
                kind="digest",
                message=message,
                now=self.now,
                channel=route.name,
                own_id=route.own_id,
            )
            if row is None:
                continue
            if digest_row is None:  # reported once, by its first channel's subject
                self.queued.subjects.append(message.subject)
            digest_row = digest_row or row
        if digest_row is None:
            return
        for entry in planned.entries:
            for p in entry.members:
                self.rows[p.key].digest_id = digest_row.id
        for p in planned.late:
            self.rows[p.key].digest_id = digest_row.id
        for p in planned.cleared:
            self.rows[p.key].resolved_digest_id = digest_row.id
        for activity, _why in self.left_out:
            activity.not_counted_told = True


def not_counted_lines(left_out: Sequence[tuple[Activity, str]], zone: ZoneInfo) -> list[str]:
    """One line per run left out of running load, oldest first (the mail names the newest)."""
    return [left_out_line(a.start_time.astimezone(zone), a.name, a.id, why) for a, why in left_out]


def queue_notice(
    session: Session,
    settings: Settings,
    athlete: AthleteSettings,
    subject: str,
    text: str,
    *,
    key: str,
    now: datetime,
) -> None:
    """An operational notice (a source that needs the runner's attention) on every channel
    of the athlete's that takes notices."""
    recipient, sender = recipient_of(athlete), sender_of(settings)
    for route in channels_for(settings, athlete):
        if not route.takes("notice"):
            continue
        message = route.renderer.notice(recipient, sender, subject, text, key=key, now=now)
        enqueue(
            session,
            athlete_id=athlete.id,
            kind="notice",
            message=message,
            now=now,
            channel=route.name,
            own_id=route.own_id,
        )
