"""The outbox contract, run against every channel (as vdirsyncer runs one storage suite
against every storage): a notification is delivered once, retried with backoff on temporary
failures, parked on permanent ones until `outbox retry`, sent by one claimer only, and resent
at most once, recognisably, after a crash between acceptance and the commit.

Each channel comes with a real far side: SMTP an aiosmtpd server on 127.0.0.1 answering from
a script, mbox a file a test can lock (another mail program) or replace by a folder, and
the push channel (Apprise) an ntfy, a Gotify and a JSON-webhook server on 127.0.0.1
(tests/support/push_servers.py) answering 429/503 (temporary) or 401 (permanent), and the signed
webhook channel a receiver that checks its HMAC (tests/support/webhook_server.py).
A new channel joins by adding one harness here.
"""

from __future__ import annotations

import fcntl
import mailbox
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from strainwatch.notify.channels.base import Channel
from strainwatch.notify.channels.email import MboxChannel, SmtpChannel
from strainwatch.notify.channels.email.settings import SmtpSettings
from strainwatch.notify.notification import Notification, Recipient
from strainwatch.notify.outbox import deliver_due, enqueue, retry
from strainwatch.notify.render import notice_message
from strainwatch.store.db import open_database, unit_of_work
from strainwatch.store.models import Athlete, Outbox
from tests.support import clock
from tests.support.smtp import Recorder, free_port, start_smtp

SENDER = "strainwatch <sw@example.org>"


def _parse(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=default)
    assert isinstance(message, EmailMessage)
    return message


@dataclass(frozen=True)
class Arrival:
    key: str  # how the far side tells copies apart (email: the Message-ID)
    subject: str
    text: str


def _mail_notice(key: str, now: datetime) -> Notification:
    return notice_message(
        Recipient("sam", "Sam", "sam@example.org"),
        SENDER,
        "A notice",
        "Strava needs attention.",
        key=key,
        now=now,
    )


@dataclass
class Harness:
    """A channel and its far side: what arrived there, and ways to make it fail."""

    channel: Channel
    arrivals: Callable[[], list[Arrival]]  # what arrived, in order
    break_temporarily: Callable[[], None]
    break_permanently: Callable[[], None]
    heal: Callable[[], None]
    # (key, now) -> what the channel's rows hold
    render: Callable[[str, datetime], Notification] = _mail_notice
    key_of: Callable[[Notification], str] = lambda n: n.message_id  # what the far side tells copies by

    def delivered(self) -> list[str]:
        return [a.key for a in self.arrivals()]


def _arrival(message: EmailMessage) -> Arrival:
    body = message.get_body(("plain",))
    assert body is not None
    text = str(body.get_content()).replace("\r\n", "\n")  # SMTP's line ends on the wire
    return Arrival(str(message["Message-ID"]), str(message["Subject"]), text)


def _smtp(tmp_path: Path) -> Iterator[Harness]:
    handler = Recorder()
    port = free_port()
    controller = start_smtp(handler, port)
    settings = SmtpSettings(host="127.0.0.1", port=port, security="none", sender=SENDER, timeout=5)

    def arrivals() -> list[Arrival]:
        return [_arrival(_parse(raw)) for _, raw in handler.messages]

    def heal() -> None:
        handler.replies.clear()

    try:
        yield Harness(
            SmtpChannel(settings, None),
            arrivals,
            break_temporarily=lambda: handler.replies.extend(["451 4.3.0 try again later"] * 10),
            break_permanently=lambda: handler.replies.extend(["550 5.1.1 mailbox unavailable"] * 10),
            heal=heal,
        )
    finally:
        controller.stop()


def _mbox(tmp_path: Path) -> Iterator[Harness]:
    path = tmp_path / "mail" / "strainwatch.mbox"
    holder: list[IO[bytes]] = []

    def arrivals() -> list[Arrival]:
        return [_arrival(_parse(m.as_bytes())) for m in mailbox.mbox(path)] if path.is_file() else []

    def lock() -> None:  # a mail program holding the mbox
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        holder.append(path.open("rb"))
        fcntl.flock(holder[-1], fcntl.LOCK_EX)

    def replace_by_folder() -> None:  # a path the user must mend
        path.mkdir(parents=True)

    def heal() -> None:
        while holder:
            holder.pop().close()
        if path.is_dir():
            path.rmdir()

    try:
        yield Harness(MboxChannel(path, SENDER, lock_wait=0.0), arrivals, lock, replace_by_folder, heal)
    finally:
        heal()


def _push_notice(key: str, now: datetime) -> Notification:
    from strainwatch.notify.channels.push.render import push_notice

    return push_notice(
        Recipient("sam", "Sam", "sam@example.org"),
        SENDER,
        "A notice",
        "Strava needs attention.",
        key=key,
        now=now,
    )


def _push(kind: str) -> Callable[[Path], Iterator[Harness]]:
    """Apprise to a real service API on loopback; the far side tells copies by the push's
    reference (and a webhook by its X-Strainwatch-Ref header too)."""

    def harness(tmp_path: Path) -> Iterator[Harness]:
        from strainwatch.notify.channels.push import PushChannel
        from strainwatch.notify.channels.push.render import push_ref
        from tests.support.push_servers import PushServer

        with PushServer(kind, "tk_contract_secret") as server:

            def arrivals() -> list[Arrival]:
                out = []
                for r in server.received:
                    if kind == "json":
                        assert r.headers["X-Strainwatch-Ref"] == r.ref
                    out.append(Arrival(r.ref, r.title, r.message))
                return out

            yield Harness(
                PushChannel("phone", server.apprise_url(), timeout=5),
                arrivals,
                break_temporarily=lambda: server.fail_next(429 if kind == "ntfy" else 503, 10),
                break_permanently=lambda: server.fail_next(401, 10),
                heal=server.heal,
                render=_push_notice,
                key_of=lambda n: push_ref(n.key),
            )

    return harness


def _webhook(tmp_path: Path) -> Iterator[Harness]:
    """The webhook channel to a receiver that checks every body's signature: 503 is
    temporary, 410 (the hook was deleted) permanent."""
    from strainwatch.notify.channels.webhook.channel import WebhookChannel
    from strainwatch.notify.notification import reference
    from tests.support.webhook_server import WebhookServer

    with WebhookServer(b"contract-secret") as server:

        def arrivals() -> list[Arrival]:
            assert server.refused == 0  # every body was signed with the shared secret
            out = []
            for hook in server.received:
                assert hook.headers["X-Strainwatch-Ref"] == hook.body["ref"]
                out.append(Arrival(hook.body["ref"], hook.body["subject"], hook.body["text"]))
            return out

        yield Harness(
            WebhookChannel("hook", server.url, b"contract-secret", timeout=5, sender=SENDER),
            arrivals,
            break_temporarily=lambda: server.fail_next(503, 10),
            break_permanently=lambda: server.fail_next(410, 10),
            heal=server.heal,
            key_of=lambda n: reference(n.key),
        )


HARNESSES = {
    "smtp": _smtp,
    "mbox": _mbox,
    "ntfy": _push("ntfy"),
    "gotify": _push("gotify"),
    "json": _push("json"),
    "webhook": _webhook,
}


@pytest.fixture(params=sorted(HARNESSES))
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    yield from HARNESSES[request.param](tmp_path)


@pytest.fixture
def sessions(database_url: str) -> sessionmaker[Session]:
    """The claim and its lease on both stores: real SQLite and real PostgreSQL."""
    made = open_database(database_url)
    with made() as session, unit_of_work(session):
        session.add(Athlete(id="sam", name="Sam", created_at=clock.now()))
    return made


def _queue(
    sessions: sessionmaker[Session], now: datetime, harness: Harness, key: str = "notice:1"
) -> Notification:
    notification = harness.render(key, now)
    channel = harness.channel.name
    with sessions() as session, unit_of_work(session):
        assert enqueue(
            session, athlete_id="sam", kind="notice", message=notification, now=now, channel=channel
        )
        # the same notification again is not a second row
        assert (
            enqueue(session, athlete_id="sam", kind="notice", message=notification, now=now, channel=channel)
            is None
        )
    return notification


def _row(sessions: sessionmaker[Session]) -> Outbox:
    with sessions() as session:
        [row] = session.scalars(select(Outbox)).all()
        return row


def test_delivered_once(harness: Harness, sessions: sessionmaker[Session]) -> None:
    now = clock.now()
    notification = _queue(sessions, now, harness)
    assert _row(sessions).status == "pending"  # the row exists before any attempt
    report = deliver_due(sessions, harness.channel, now)
    assert len(report.sent) == 1 and harness.delivered() == [harness.key_of(notification)]
    again = deliver_due(sessions, harness.channel, now + timedelta(hours=1))
    assert again.sent == [] and harness.delivered() == [harness.key_of(notification)]
    row = _row(sessions)
    assert (row.status, row.attempts, row.sent_at is not None) == ("sent", 1, True)


def test_temporary_failure_backs_off_then_delivers_once(
    harness: Harness, sessions: sessionmaker[Session]
) -> None:
    now = clock.now()
    notification = _queue(sessions, now, harness)
    harness.break_temporarily()
    first = deliver_due(sessions, harness.channel, now)
    assert len(first.retrying) == 1 and first.sent == []
    row = _row(sessions)
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 1, now + timedelta(minutes=1))
    assert deliver_due(sessions, harness.channel, now + timedelta(seconds=30)).retrying == []  # not due yet
    second = now + timedelta(minutes=1)
    deliver_due(sessions, harness.channel, second)
    row = _row(sessions)
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 2, second + timedelta(minutes=2))
    harness.heal()
    assert deliver_due(sessions, harness.channel, second + timedelta(minutes=1)).sent == []  # backoff holds
    assert len(deliver_due(sessions, harness.channel, second + timedelta(minutes=2)).sent) == 1
    deliver_due(sessions, harness.channel, second + timedelta(hours=1))
    assert harness.delivered() == [harness.key_of(notification)]
    assert _row(sessions).status == "sent"


def test_permanent_failure_parks_until_retry(harness: Harness, sessions: sessionmaker[Session]) -> None:
    now = clock.now()
    notification = _queue(sessions, now, harness)
    harness.break_permanently()
    report = deliver_due(sessions, harness.channel, now)
    assert len(report.parked) == 1
    row = _row(sessions)
    assert (row.status, row.attempts) == ("parked", 1) and row.last_error
    harness.heal()
    assert deliver_due(sessions, harness.channel, now + timedelta(days=1)).sent == []  # parked stays parked
    assert harness.delivered() == []
    later = now + timedelta(days=1)
    with sessions() as session, unit_of_work(session):
        assert retry(session, [], later) == 1
    assert len(deliver_due(sessions, harness.channel, later).sent) == 1
    assert harness.delivered() == [harness.key_of(notification)] and _row(sessions).status == "sent"


class _Reentrant:
    """A channel that, while sending, lets a second process try the same outbox."""

    def __init__(self, inner: Channel, during: Callable[[], None]) -> None:
        self.inner, self.during = inner, during
        self.name, self.sender, self.lease = inner.name, inner.sender, inner.lease

    def send(self, notification: Notification) -> str:
        self.during()
        return self.inner.send(notification)


def test_two_claimers_send_once(harness: Harness, sessions: sessionmaker[Session]) -> None:
    now = clock.now()
    notification = _queue(sessions, now, harness)
    rival: list[int] = []
    channel = _Reentrant(
        harness.channel, lambda: rival.append(len(deliver_due(sessions, harness.channel, now).sent))
    )
    assert len(deliver_due(sessions, channel, now).sent) == 1
    assert rival == [0]  # the second claimer found the row leased and sent nothing
    assert harness.delivered() == [harness.key_of(notification)]


class _Crash(BaseException):
    """The process dies: not a delivery error, nothing below catches it."""


class _CrashAfterAcceptance:
    def __init__(self, inner: Channel) -> None:
        self.inner = inner
        self.name, self.sender, self.lease = inner.name, inner.sender, inner.lease

    def send(self, notification: Notification) -> str:
        self.inner.send(notification)
        raise _Crash


def test_crash_after_acceptance_resends_once_with_the_same_key(
    harness: Harness, sessions: sessionmaker[Session]
) -> None:
    now = clock.now()
    notification = _queue(sessions, now, harness)
    with pytest.raises(_Crash):
        deliver_due(sessions, _CrashAfterAcceptance(harness.channel), now)
    assert harness.delivered() == [harness.key_of(notification)] and _row(sessions).status == "pending"
    assert deliver_due(sessions, harness.channel, now + timedelta(seconds=1)).sent == []  # still leased
    after = now + harness.channel.lease + timedelta(seconds=1)
    assert len(deliver_due(sessions, harness.channel, after).sent) == 1
    deliver_due(sessions, harness.channel, after + timedelta(hours=1))
    assert harness.delivered() == [harness.key_of(notification)] * 2  # one duplicate, recognisably the same
    assert _row(sessions).status == "sent"


def test_what_arrives_is_what_was_rendered(harness: Harness, sessions: sessionmaker[Session]) -> None:
    """The far side gets the stored notification, rendered once, hours before it was sent."""
    now = clock.now()
    notification = _queue(sessions, now, harness)
    deliver_due(sessions, harness.channel, now + timedelta(hours=3))
    [arrival] = harness.arrivals()
    assert arrival == Arrival(harness.key_of(notification), notification.subject, notification.text)
