"""The outbox: notifications are rows first, then sends, one row per channel and recipient.
Claimed with a conditional UPDATE (a lease), marked sent only after the channel accepted,
retried with capped backoff across passes and restarts, parked on permanent failure until
`strainwatch outbox retry`. Any channel gets these guarantees (tests/integration/
test_channel_contract.py holds each to them).

A crash after the channel accepted but before the row was marked sent resends once when the
lease has run out, with the same notification and idempotency key (for mail: its
Message-ID), so the copy is recognisable.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from strainwatch.notify.channels.base import Channel, DeliveryError
from strainwatch.notify.notification import Notification, Recipient
from strainwatch.notify.policy import backoff
from strainwatch.store.db import unit_of_work
from strainwatch.store.models import Outbox

log = logging.getLogger(__name__)


def enqueue(
    session: Session,
    *,
    athlete_id: str,
    kind: str,
    message: Notification,
    now: datetime,
    not_before: datetime | None = None,
    alert_id: int | None = None,
    channel: str,
    own_id: bool = False,
) -> Outbox | None:
    """Queue a rendered notification on a channel; None when it is already queued there.
    `own_id`: the row keeps the notification's id (see `row_id`)."""
    n = message
    message_id = row_id(channel, n.message_id, own_id=own_id)
    queued = select(Outbox.id).where(
        (Outbox.message_id == message_id)
        | (
            (Outbox.channel == channel)
            & (Outbox.recipient == n.recipient.email)
            & (Outbox.idempotency_key == n.key)
        )
    )
    if session.scalar(queued.limit(1)) is not None:
        return None
    row = Outbox(
        athlete_id=athlete_id,
        alert_id=alert_id,
        kind=kind,
        status="pending",
        channel=channel,
        idempotency_key=n.key,
        message_id=message_id,
        recipient=n.recipient.email,
        recipient_name=n.recipient.name,
        subject=n.subject,
        body_text=n.text,
        body_html=n.html,
        severity=n.severity,
        alert_keys=list(n.alert_keys),
        message="",
        attempts=0,
        next_attempt_at=not_before or now,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def row_id(channel: str, message_id: str, *, own_id: bool) -> str:
    """The row's unique id: the notification's own where the channel's far side reads it
    (mail's Message-ID, Route.own_id), else told apart by the channel's name."""
    return message_id if own_id else f"{channel}:{message_id}"


def notification_of(row: Outbox) -> Notification:
    """The stored notification, as it was rendered."""
    return Notification(
        key=row.idempotency_key,
        message_id=row.message_id.removeprefix(f"{row.channel}:"),
        recipient=Recipient(row.athlete_id, row.recipient_name, row.recipient),
        subject=row.subject,
        text=row.body_text,
        html=row.body_html,
        created_at=row.created_at,
        severity=row.severity,
        alert_keys=tuple(row.alert_keys),
    )


def _claim(session: Session, row_id: int, now: datetime, lease: timedelta) -> bool:
    """Atomically take a due row: only one process can win the conditional UPDATE."""
    result = session.execute(
        update(Outbox)
        .where(
            Outbox.id == row_id,
            Outbox.status == "pending",
            Outbox.next_attempt_at <= now,
            (Outbox.claimed_until.is_(None)) | (Outbox.claimed_until < now),
        )
        .values(claimed_until=now + lease)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


@dataclass(slots=True)
class DeliveryReport:
    sent: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    parked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # channels that could not be built: rows wait
    channels: set[str] = field(default_factory=set)  # the athletes' own channels that had something to do
    shared: set[str] = field(default_factory=set)  # the channels every athlete shares (mail)
    blocked: list[str] = field(default_factory=list)  # why a shared channel could not be built

    def merge(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.retrying += other.retrying
        self.parked += other.parked
        self.problems += other.problems
        self.channels |= other.channels
        self.shared |= other.shared
        self.blocked += other.blocked

    def summary(self) -> str:
        text = f"mail: {len(self.sent)} sent, {len(self.retrying)} to retry, {len(self.parked)} parked"
        if self.channels or self.problems:
            text += f" (channels: {', '.join(sorted(self.shared | self.channels))})"
        if self.problems:
            text += f"; not delivered: {'; '.join(self.problems)}"
        return text


def deliver_due(
    sessions: sessionmaker[Session],
    transport: Channel,
    now: datetime,
    on_message: Callable[[], None] | None = None,
    *,
    athlete_id: str | None = None,
) -> DeliveryReport:
    """Send every due row of this channel once (of one athlete's, for an athlete's own
    channel: its name is the athlete's own); failures are recorded on the row, never raised. `on_message`
    is called before each row (the daemon's progress report)."""
    report = DeliveryReport()
    query = select(Outbox.id).where(
        Outbox.status == "pending", Outbox.channel == transport.name, Outbox.next_attempt_at <= now
    )
    if athlete_id is not None:
        query = query.where(Outbox.athlete_id == athlete_id)
    with sessions() as session:
        due = session.scalars(query.order_by(Outbox.next_attempt_at, Outbox.id)).all()
    if due and athlete_id is not None:
        report.channels.add(transport.name)
    for row_id in due:
        if on_message is not None:
            on_message()
        with sessions() as session:
            with unit_of_work(session):
                if not _claim(session, row_id, now, transport.lease):
                    continue
                row = session.get_one(Outbox, row_id)
            try:
                reply = transport.send(notification_of(row))
            except DeliveryError as exc:
                with unit_of_work(session):
                    row.attempts += 1
                    row.last_error = str(exc)
                    row.claimed_until = None
                    if exc.permanent:
                        row.status = "parked"
                        report.parked.append(f"{row.subject}: {exc}")
                        log.error("parked %s to %s: %s", row.kind, _to(row), exc)
                    else:
                        row.next_attempt_at = now + backoff(row.attempts)
                        report.retrying.append(f"{row.subject}: {exc}")
                        log.warning("will retry %s to %s: %s", row.kind, _to(row), exc)
                continue
            with unit_of_work(session):
                row.attempts += 1
                row.status, row.sent_at, row.claimed_until, row.last_error = "sent", now, None, None
            report.sent.append(f"{row.subject} -> {_to(row)}: {reply}")
    return report


def _to(row: Outbox) -> str:
    """Whom a row goes to, as reports say it: the address (a row keeping its own id, a mail),
    or the athlete's channel."""
    own = not row.message_id.startswith(f"{row.channel}:")
    return row.recipient if own else f"{row.athlete_id} via {row.channel}"


def retry(session: Session, ids: Sequence[int], now: datetime) -> int:
    """Parked rows back to pending, and pending ones due at once; all when `ids` is empty. A
    notification that could not be rendered has nothing to send and stays parked."""
    query = update(Outbox).where(Outbox.status.in_(("pending", "parked")), Outbox.body_text != "")
    if ids:
        query = query.where(Outbox.id.in_(ids))
    result = session.execute(query.values(status="pending", next_attempt_at=now, claimed_until=None))
    return int(getattr(result, "rowcount", 0))
