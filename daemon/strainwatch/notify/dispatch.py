"""Which alerts become which mail, and when (the policy), inside the sync pass.

`warning` goes at once (held through quiet hours); `caution` and `info` wait for the digest;
alerts about runs that were already old when found (a backfill, a late import) are only
summed up in the digest; a resolved alert the runner heard about is mentioned once.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from strainwatch.activity_view import format_distance
from strainwatch.config import AthleteSettings, Settings
from strainwatch.evaluation import facts_of, load_runs
from strainwatch.guidance import guidance
from strainwatch.notify.chart import weekly_chart
from strainwatch.notify.outbox import enqueue
from strainwatch.notify.policy import digest_due, quiet_until
from strainwatch.notify.render import AlertContent, DigestContent, Recipient, alert_message, digest_message
from strainwatch.notify.transport import sender_of
from strainwatch.rules.history import History
from strainwatch.store.models import Activity, Alert, Athlete, Outbox

log = logging.getLogger(__name__)

SEVERITY_ORDER = {"info": 1, "caution": 2, "warning": 3}


@dataclass(slots=True)
class Queued:
    subjects: list[str] = field(default_factory=list)
    parked: list[str] = field(default_factory=list)  # "what: why" for messages that could not be rendered


def recipient_of(athlete: AthleteSettings) -> Recipient:
    return Recipient(athlete.id, athlete.name, athlete.email)


def content_of(session: Session, alert: Alert, athlete: AthleteSettings) -> AlertContent:
    lines = []
    for activity_id in alert.activity_ids[:8]:
        activity = session.get(Activity, activity_id)
        if activity is not None:
            local = activity.start_time.astimezone(athlete.zone)
            lines.append(
                f"{local:%a %d %b}: {activity.name or activity.sport_type}, "
                f"{format_distance(activity.distance_m, athlete.units)}"
            )
    return AlertContent(
        fingerprint=alert.fingerprint, rule=alert.rule, severity=alert.severity, day=alert.day.isoformat(),
        title=alert.title, summary=alert.summary, advice=alert.advice, numbers=dict(alert.numbers),
        modifiers=list(alert.modifiers), activities=lines, previous_severity=alert.previous_severity,
    )  # fmt: skip


def queue_notifications(
    session: Session,
    settings: Settings,
    athlete: AthleteSettings,
    now: datetime,
    *,
    force_digest: bool = False,
) -> Queued:
    """Render and queue what is due for this athlete; the caller's transaction commits it."""
    local_now = now.astimezone(athlete.zone)
    # every pass asks only for unsent warnings; the athlete's whole alert list is read when
    # there is mail to write
    urgent = list(
        session.scalars(
            select(Alert).where(
                Alert.athlete_id == athlete.id, Alert.status == "active", Alert.severity == "warning",
                Alert.late.is_(False),
                or_(Alert.mailed_severity.is_(None), Alert.mailed_severity != "warning"),
            )
        )
    )  # fmt: skip
    stored = session.get(Athlete, athlete.id)
    last = stored.last_digest_on if stored else None
    digest = force_digest or digest_due(local_now, settings.notify.digest, settings.notify.digest_time, last)
    if not (urgent or digest):
        return Queued()
    alerts = list(session.scalars(select(Alert).where(Alert.athlete_id == athlete.id)))
    mail = _AthleteMail(session, settings, athlete, now, alerts)
    for alert in urgent:
        mail.queue_alert(alert)
    if digest:
        if stored is not None:
            stored.last_digest_on = local_now.date()
        mail.queue_digest()
    return mail.queued


class _AthleteMail:
    """One athlete's mail in one pass: the history and chart are built once for all of it."""

    def __init__(
        self,
        session: Session,
        settings: Settings,
        athlete: AthleteSettings,
        now: datetime,
        alerts: list[Alert],
    ) -> None:
        self.session, self.settings, self.athlete, self.now, self.alerts = (
            session,
            settings,
            athlete,
            now,
            alerts,
        )
        self.today = now.astimezone(athlete.zone).date()
        self.sender = sender_of(settings)
        self.history = History.build(load_runs(session, athlete), self.today, facts_of(session, athlete))
        spikes = frozenset(a.day for a in alerts if a.rule == "long-run-spike")
        self.chart = weekly_chart(self.history, self.today, spikes)
        self.queued = Queued()

    def _render(
        self, what: str, key: str, render: Callable[[], EmailMessage], alert_id: int | None = None
    ) -> EmailMessage | None:
        """The rendered message, or None when rendering fails: then a parked row with the reason
        stands in for it (listed by `outbox` and `doctor`), and the other messages go."""
        try:
            return render()
        except Exception as error:  # a bug or odd data in one message must not hold back the rest
            reason = f"cannot render: {type(error).__name__}: {error}".splitlines()[0]
            log.exception("%s for %s %s", what, self.athlete.id, reason)
            message_id = f"<unrendered.{key}.{self.athlete.id}@strainwatch>"
            if self.session.scalar(select(Outbox.id).where(Outbox.message_id == message_id)) is None:
                self.session.add(Outbox(
                    athlete_id=self.athlete.id, alert_id=alert_id, kind=key.split(".", 1)[0],
                    status="parked", message_id=message_id, recipient=self.athlete.email, subject=what,
                    message="", attempts=0, next_attempt_at=self.now, last_error=reason, created_at=self.now,
                ))  # fmt: skip
            self.queued.parked.append(f"{what}: {reason}")
            return None

    def queue_alert(self, alert: Alert) -> None:
        held = quiet_until(self.now.astimezone(self.athlete.zone), self.settings.notify.quiet_hours)
        render = lambda: alert_message(  # noqa: E731
            content_of(self.session, alert, self.athlete), recipient_of(self.athlete), self.chart,
            self.sender, self.now,
        )  # fmt: skip
        message = self._render(f"alert {alert.rule} of {alert.day}", f"alert.{alert.id}", render, alert.id)
        if message is None:
            alert.mailed_severity = "warning"  # parked once, not again on every pass
            return
        row = enqueue(
            self.session, athlete_id=self.athlete.id, kind="alert", message=message, now=self.now,
            not_before=held, alert_id=alert.id,
        )  # fmt: skip
        if row is not None:
            self.queued.subjects.append(str(message["Subject"]))
        alert.mailed_severity = "warning"

    def queue_digest(self) -> None:
        alerts = self.alerts
        fresh = [a for a in alerts if a.digest_id is None and not a.late and a.mailed_severity is None]
        late = [a for a in alerts if a.digest_id is None and a.late]
        told = [
            a for a in alerts
            if a.status == "resolved" and a.resolved_digest_id is None and (a.digest_id or a.mailed_severity)
        ]  # fmt: skip
        if not (fresh or late or told):
            return
        fresh.sort(key=lambda a: (-SEVERITY_ORDER.get(a.severity, 0), a.day))
        iso = self.today.isocalendar()
        weekly = self.settings.notify.digest == "weekly"
        content = DigestContent(
            period=f"week {iso.year}-W{iso.week:02d}" if weekly else self.today.isoformat(),
            findings=[content_of(self.session, a, self.athlete) for a in fresh],
            late=dict(Counter(a.rule for a in late)),
            resolved=[a.title for a in told],
            guidance=guidance(self.history, self.today),
        )
        message = self._render(f"digest of {self.today}", f"digest.{self.today}", lambda: digest_message(
            content, recipient_of(self.athlete), self.chart, self.sender, self.now
        ))  # fmt: skip
        if message is None:
            return
        row = enqueue(self.session, athlete_id=self.athlete.id, kind="digest", message=message, now=self.now)
        if row is None:
            return
        self.queued.subjects.append(str(message["Subject"]))
        for alert in fresh + late:
            alert.digest_id = row.id
        for alert in told:
            alert.resolved_digest_id = row.id
