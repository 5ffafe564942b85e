"""The outbox: messages are rows first, then sends. Claimed with a conditional UPDATE (a
lease), marked sent only after the server accepted, retried with capped backoff across passes
and restarts, parked on permanent failure until `strainwatch outbox retry`.

A crash after the server accepted but before the row was marked sent resends once when the
lease has run out, with the same bytes and Message-ID, so the copy is recognisable.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from strainwatch.notify.policy import backoff
from strainwatch.notify.transport import DeliveryError, Transport
from strainwatch.store.db import unit_of_work
from strainwatch.store.models import Outbox

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # the longest any transport takes; transports state their own


def enqueue(
    session: Session,
    *,
    athlete_id: str,
    kind: str,
    message: EmailMessage,
    now: datetime,
    not_before: datetime | None = None,
    alert_id: int | None = None,
) -> Outbox | None:
    """Queue a rendered message; None when one with this Message-ID is already queued."""
    message_id = str(message["Message-ID"])
    if session.scalar(select(Outbox.id).where(Outbox.message_id == message_id)) is not None:
        return None
    row = Outbox(
        athlete_id=athlete_id, alert_id=alert_id, kind=kind, status="pending", message_id=message_id,
        recipient=str(message["To"]), subject=str(message["Subject"]), message=message.as_string(),
        attempts=0, next_attempt_at=not_before or now, created_at=now,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def _claim(session: Session, row_id: int, now: datetime, lease: timedelta = LEASE) -> bool:
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

    def summary(self) -> str:
        return f"mail: {len(self.sent)} sent, {len(self.retrying)} to retry, {len(self.parked)} parked"


def deliver_due(
    sessions: sessionmaker[Session], transport: Transport, now: datetime,
    on_message: Callable[[], None] | None = None,
) -> DeliveryReport:  # fmt: skip
    """Send every due row once; failures are recorded on the row, never raised. `on_message`
    is called before each row (the daemon's progress report)."""
    report = DeliveryReport()
    with sessions() as session:
        due = session.scalars(
            select(Outbox.id)
            .where(Outbox.status == "pending", Outbox.next_attempt_at <= now)
            .order_by(Outbox.next_attempt_at, Outbox.id)
        ).all()
    for row_id in due:
        if on_message is not None:
            on_message()
        with sessions() as session:
            with unit_of_work(session):
                if not _claim(session, row_id, now, transport.lease):
                    continue
                row = session.get_one(Outbox, row_id)
            message = BytesParser(_class=EmailMessage, policy=SMTP).parsebytes(row.message.encode())
            try:
                reply = transport.send(message)
            except DeliveryError as exc:
                with unit_of_work(session):
                    row.attempts += 1
                    row.last_error = str(exc)
                    row.claimed_until = None
                    if exc.permanent:
                        row.status = "parked"
                        report.parked.append(f"{row.subject}: {exc}")
                        log.error("parked %s to %s: %s", row.kind, row.recipient, exc)
                    else:
                        row.next_attempt_at = now + backoff(row.attempts)
                        report.retrying.append(f"{row.subject}: {exc}")
                        log.warning("will retry %s to %s: %s", row.kind, row.recipient, exc)
                continue
            with unit_of_work(session):
                row.attempts += 1
                row.status, row.sent_at, row.claimed_until, row.last_error = "sent", now, None, None
            report.sent.append(f"{row.subject} -> {row.recipient}: {reply}")
    return report


def retry(session: Session, ids: Sequence[int], now: datetime) -> int:
    """Parked rows back to pending, and pending ones due at once; all when `ids` is empty. A
    message that could not be rendered has nothing to send and stays parked."""
    query = update(Outbox).where(Outbox.status.in_(("pending", "parked")), Outbox.message != "")
    if ids:
        query = query.where(Outbox.id.in_(ids))
    result = session.execute(query.values(status="pending", next_attempt_at=now, claimed_until=None))
    return int(getattr(result, "rowcount", 0))
