"""The webhook channel from the config to a receiver over real HTTP on 127.0.0.1: the body
signed with the secret from a 0600 file, the secret and the URL's token kept out of every
report, `doctor` checking it without sending, and failures sorted like push."""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path

import pytest

from strainwatch.cli.checks import _channel_checks
from strainwatch.config.settings import Settings
from strainwatch.errors import StrainwatchError
from strainwatch.kinds import parse_settings
from strainwatch.notify.channels.base import PermanentDeliveryError, TemporaryDeliveryError
from strainwatch.notify.channels.webhook.channel import WebhookChannel, payload, signature
from strainwatch.notify.dispatch import queue_notice
from strainwatch.notify.notification import Notification, Recipient, reference
from strainwatch.notify.transport import deliver_all
from strainwatch.store.db import open_database, unit_of_work
from strainwatch.store.models import Athlete
from tests.support import clock
from tests.support.webhook_server import WebhookServer

SECRET = "whsec_0123456789abcdef"  # noqa: S105 -- the test's shared secret


def _settings(tmp_path: Path, url: str, mode: int = 0o600) -> Settings:
    secret = tmp_path / "hook.secret"
    secret.write_text(SECRET + "\n")
    secret.chmod(mode)
    mbox = tmp_path / "mail.mbox"
    return parse_settings(
        f"""
[notify]
mbox = "{mbox}"
[[athletes]]
id = "sam"
name = "Sam"
email = "sam@example.org"
[[athletes.channels]]
name = "hook"
kind = "webhook"
url = "{url}"
secret_file = "hook.secret"
send = ["notice"]
""",
        tmp_path / "config.toml",
    )


def test_a_notice_reaches_the_receiver_signed(
    tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    now = clock.now()
    with WebhookServer(SECRET.encode()) as server:
        settings = _settings(tmp_path, server.url)
        sessions = open_database(database_url)
        with sessions() as session, unit_of_work(session):
            session.add(Athlete(id="sam", name="Sam", created_at=now))
        with sessions() as session, unit_of_work(session):
            queue_notice(
                session, settings, settings.athletes[0], "Strava needs you", "Reconnect.", key="n:1", now=now
            )
        with caplog.at_level(logging.DEBUG):
            report = deliver_all(settings, sessions, now)
        assert report.problems == [] and len(report.sent) == 2  # the mail and the hook
        assert server.refused == 0
        [hook] = server.received
    assert hook.body["ref"] == reference("n:1") == hook.headers["X-Strainwatch-Ref"]
    assert (hook.body["athlete"], hook.body["subject"]) == ("sam", "[strainwatch] Strava needs you")
    assert "Reconnect." in hook.body["text"]
    said = caplog.text + report.summary() + "\n".join(report.sent)
    assert SECRET not in said and "tk_hook_secret" not in said
    assert "sam via hook" in "\n".join(report.sent)


def test_doctor_checks_the_secret_file_without_sending(tmp_path: Path) -> None:
    with WebhookServer(SECRET.encode()) as server:
        [good] = _channel_checks(_settings(tmp_path, server.url))[1:]
        [bad] = _channel_checks(_settings(tmp_path, server.url, mode=0o644))[1:]
        assert server.received == []
    assert good.ok and good.name == "channel hook of sam" and "hook.secret" in good.detail
    assert not bad.ok and "tk_hook_secret" not in bad.detail


def _notice() -> Notification:
    return Notification(
        key="n:2",
        message_id="<x@strainwatch>",
        recipient=Recipient("sam", "Sam", "sam@example.org"),
        subject="A notice",
        text="Text",
        html="",
        created_at=clock.now(),
    )


def test_the_signature_is_the_hmac_of_the_exact_body() -> None:
    body = json.dumps(payload(_notice()), sort_keys=True).encode()
    assert signature(b"k", body) != signature(b"k", body + b" ")
    assert signature(b"k", body) != signature(b"other", body)
    assert signature(b"k", body).startswith("sha256=") and len(signature(b"k", body)) == 7 + 64


def test_no_connection_is_temporary_and_a_wrong_secret_permanent() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/hook?token=tk_hook_secret"
    with pytest.raises(TemporaryDeliveryError) as down:
        WebhookChannel("hook", closed, b"k", timeout=2).send(_notice())
    with WebhookServer(b"the receiver's") as server, pytest.raises(PermanentDeliveryError) as refused:
        WebhookChannel("hook", server.url, b"not the receiver's", timeout=2).send(_notice())
    assert "HTTP 401" in str(refused.value)
    for error in (down.value, refused.value):
        assert isinstance(error, StrainwatchError) and "tk_hook_secret" not in str(error)
        assert "webhook 'hook' (http://127.0.0.1)" in str(error)
