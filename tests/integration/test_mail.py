"""Mail end to end against a real SMTP server (aiosmtpd on 127.0.0.1): delivery, STARTTLS
and AUTH, outages, 4xx retries, 5xx parking, and hostile activity names."""

from __future__ import annotations

import ssl
from datetime import timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
import trustme
from sqlalchemy import select

from strainwatch.notify.channels.email.kind import mail_channel
from strainwatch.notify.outbox import deliver_due, retry
from strainwatch.pipeline.run_pass import run_pass
from strainwatch.store.db import open_database, unit_of_work
from strainwatch.store.models import Outbox
from tests.support import clock
from tests.support.config import settings_of
from tests.support.smtp import Recorder, free_port, start_smtp


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, Path]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    ca_file = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return context, ca_file


def _rows(sessions: Any) -> list[Outbox]:
    with sessions() as session:
        return list(session.scalars(select(Outbox).order_by(Outbox.id)))


def test_a_warning_is_mailed_once_and_activity_data_injects_nothing(
    tmp_path: Path, database_url: str, history: Path, recorder: tuple[Recorder, int]
) -> None:
    handler, port = recorder
    settings = settings_of(tmp_path / "config.toml", database_url, [history], smtp_port=port, immediate=True)
    sessions = open_database(database_url)
    now = clock.now()
    report = run_pass(settings, sessions, now=now)
    assert report.delivery is not None and len(report.delivery.sent) == 1, report.summary()
    again = run_pass(settings, sessions, now=now + timedelta(minutes=15))
    assert again.delivery is not None and again.delivery.sent == []
    [(recipients, raw)] = handler.messages
    assert recipients == ["sam@example.org"]
    message = message_from_bytes(raw, policy=default)
    assert "Bcc" not in message and message["To"] == "Sam <sam@example.org>"
    assert message["Subject"].startswith("[strainwatch] Warning: Long run")
    assert message["Auto-Submitted"] == "auto-generated" and message["List-Id"]
    [row] = _rows(sessions)
    assert message["Message-ID"] == row.message_id and row.status == "sent"
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Bcc: someone@example.org" in text  # shown as text, on a line of its own in the run list
    assert "Frandsen et al. 2025" in text and "Association, not prediction" in text
    assert "[athletes.rules.long-run-spike]" in text  # how to mute it
    assert "Last 12 weeks" in text and "<table" in html


def test_server_down_then_up_delivers_exactly_one_copy(
    tmp_path: Path, database_url: str, history: Path
) -> None:
    port = free_port()
    settings = settings_of(tmp_path / "config.toml", database_url, [history], smtp_port=port, immediate=True)
    sessions = open_database(database_url)
    now = clock.now()
    down = run_pass(settings, sessions, now=now)
    assert down.delivery is not None and len(down.delivery.retrying) == 1
    [row] = _rows(sessions)
    assert (row.status, row.attempts) == ("pending", 1) and "ConnectionRefused" in str(row.last_error)
    assert row.next_attempt_at > now
    handler = Recorder()
    controller = start_smtp(handler, port)
    try:
        early = deliver_due(sessions, mail_channel(settings), now + timedelta(seconds=10))
        assert early.sent == []  # backoff: not yet
        later = deliver_due(sessions, mail_channel(settings), now + timedelta(minutes=2))
        assert len(later.sent) == 1
        deliver_due(sessions, mail_channel(settings), now + timedelta(hours=2))
    finally:
        controller.stop()
    assert len(handler.messages) == 1
    assert _rows(sessions)[0].status == "sent"


def test_4xx_is_retried_and_5xx_is_parked_until_retry(
    tmp_path: Path, database_url: str, history: Path, recorder: tuple[Recorder, int]
) -> None:
    handler, port = recorder
    handler.replies = ["421 4.7.0 too busy", "451 4.3.0 try again later", "550 5.1.1 mailbox unavailable"]
    settings = settings_of(tmp_path / "config.toml", database_url, [history], smtp_port=port, immediate=True)
    sessions = open_database(database_url)
    now = clock.now()
    run_pass(settings, sessions, now=now)
    [row] = _rows(sessions)
    assert (row.status, row.attempts) == ("pending", 1) and "421" in str(row.last_error)
    deliver_due(sessions, mail_channel(settings), now + timedelta(minutes=5))
    [row] = _rows(sessions)
    assert (row.status, row.attempts) == ("pending", 2) and "451" in str(row.last_error)
    deliver_due(sessions, mail_channel(settings), now + timedelta(minutes=10))
    [row] = _rows(sessions)
    assert (row.status, row.attempts) == ("parked", 3) and "550" in str(row.last_error)
    deliver_due(sessions, mail_channel(settings), now + timedelta(days=1))
    assert handler.messages == []  # parked stays parked
    with sessions() as session, unit_of_work(session):
        assert retry(session, [], now + timedelta(days=1)) == 1
    report = deliver_due(sessions, mail_channel(settings), now + timedelta(days=1))
    assert len(report.sent) == 1 and len(handler.messages) == 1


def test_starttls_and_auth(
    tmp_path: Path, database_url: str, history: Path, tls: tuple[ssl.SSLContext, Path]
) -> None:
    context, ca_file = tls
    handler = Recorder()
    port = free_port()
    controller = start_smtp(handler, port, context)
    password = tmp_path / "smtp-password"
    password.write_text("s3cret-pass\n")
    password.chmod(0o600)
    smtp = (
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "starttls"\nusername = "sw"\n'
        f'password_file = "{password}"\nca_file = "{ca_file}"\nfrom = "strainwatch <sw@example.org>"\ntimeout = 5\n'
    )
    try:
        settings = settings_of(tmp_path / "config.toml", database_url, [history], immediate=True, tables=smtp)
        sessions = open_database(database_url)
        report = run_pass(settings, sessions, now=clock.now())
        assert report.delivery is not None and len(report.delivery.sent) == 1, report.summary()
        assert len(handler.messages) == 1
        # a wrong password is permanent, and never shown
        password.write_text("wrong-password\n")
        from strainwatch.notify.channels.base import PermanentDeliveryError
        from strainwatch.notify.outbox import notification_of

        [row] = _rows(sessions)
        with pytest.raises(PermanentDeliveryError, match="login refused: 535") as caught:
            mail_channel(settings).send(notification_of(row))
        assert "wrong-password" not in str(caught.value)
        # without the private CA the certificate is not trusted: permanent, with a hint
        untrusting = settings_of(
            tmp_path / "config.toml",
            database_url,
            [history],
            immediate=True,
            tables=smtp.replace(f'ca_file = "{ca_file}"\n', ""),
        )
        password.write_text("s3cret-pass\n")
        with pytest.raises(PermanentDeliveryError, match="certificate not trusted") as caught:
            mail_channel(untrusting).send(notification_of(row))
        assert caught.value.hint and "ca_file" in caught.value.hint
    finally:
        controller.stop()


def test_quiet_hours_hold_a_warning(
    tmp_path: Path, database_url: str, history: Path, recorder: tuple[Recorder, int]
) -> None:
    handler, port = recorder
    settings = settings_of(tmp_path / "config.toml", database_url, [history], smtp_port=port, immediate=True)
    settings = settings.model_copy(
        update={"notify": settings.notify.model_copy(update={"quiet_hours": "00:00-23:59"})}
    )
    sessions = open_database(database_url)
    now = clock.now().replace(hour=12, minute=0)
    report = run_pass(settings, sessions, now=now)
    assert report.queued and report.delivery is not None and report.delivery.sent == []
    [row] = _rows(sessions)
    assert row.status == "pending" and row.next_attempt_at.time().hour == 23
    assert handler.messages == []


def test_a_row_is_claimed_by_one_process_only(tmp_path: Path, database_url: str) -> None:
    from strainwatch.notify.notification import Notification, Recipient
    from strainwatch.notify.outbox import _claim, enqueue
    from strainwatch.store.models import Athlete

    sessions = open_database(database_url)
    now = clock.now()
    message = Notification(
        "k", "<x@example.org>", Recipient("sam", "Sam", "a@example.org"), "s", "x", "", now
    )
    lease = timedelta(minutes=5)
    with sessions() as session, unit_of_work(session):
        session.add(Athlete(id="sam", name="Sam", created_at=now))
        session.flush()
        row = enqueue(
            session, athlete_id="sam", kind="notice", message=message, now=now, channel="email", own_id=True
        )
        assert row is not None
        assert (
            enqueue(
                session,
                athlete_id="sam",
                kind="notice",
                message=message,
                now=now,
                channel="email",
                own_id=True,
            )
            is None
        )  # same id
        row_id = row.id
    first, second = sessions(), sessions()
    with first, unit_of_work(first):
        assert _claim(first, row_id, now, lease)
    with second, unit_of_work(second):
        assert not _claim(second, row_id, now + timedelta(minutes=1), lease)  # lease still held
    with second, unit_of_work(second):
        assert _claim(
            second, row_id, now + timedelta(minutes=6), lease
        )  # lease ran out: a crash is recovered
