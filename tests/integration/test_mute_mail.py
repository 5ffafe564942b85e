"""A muted rule over real SMTP (aiosmtpd on 127.0.0.1): its warning is recorded but not mailed
while the mute holds; unmuted, or once the mute has ended, the warning still active is mailed.
A mute that has ended is neither listed nor "unmuted" (both stores)."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path

from sqlalchemy import select

from strainwatch.pipeline.run_pass import run_pass
from strainwatch.store import journal
from strainwatch.store.db import open_database
from strainwatch.store.models import Alert, Outbox
from tests.support import clock
from tests.support.config import settings_of
from tests.support.smtp import Recorder


def _mute(sessions: object, days: int, *, days_ago: int = 0) -> None:
    now = clock.now()
    with sessions() as session, session.begin():  # type: ignore[operator]
        today = now.date() - timedelta(days=days_ago)
        journal.mute_rule(session, "sam", "Sam", "long-run-spike", days, today=today, now=now)


def test_a_muted_rules_warning_is_recorded_not_mailed_and_mailed_once_unmuted(
    tmp_path: Path, database_url: str, history: Path, recorder: tuple[Recorder, int]
) -> None:
    handler, port = recorder
    settings = settings_of(tmp_path / "config.toml", database_url, [history], smtp_port=port, immediate=True)
    sessions = open_database(database_url)
    now = clock.now()
    _mute(sessions, 7)
    muted = run_pass(settings, sessions, now=now)
    assert muted.delivery is None or muted.delivery.sent == [], muted.summary()
    assert handler.messages == []
    with sessions() as session:
        [warning] = session.scalars(select(Alert).where(Alert.rule == "long-run-spike"))
        assert (warning.status, warning.severity, warning.mailed_severity) == ("active", "warning", None)
        assert session.scalars(select(Outbox)).all() == []
    with sessions() as session, session.begin():
        assert journal.unmute_rule(session, "sam", "long-run-spike", now.date())
    run_pass(settings, sessions, now=now + timedelta(minutes=15))
    run_pass(settings, sessions, now=now + timedelta(minutes=30))
    [(_, raw)] = handler.messages
    message = message_from_bytes(raw, policy=default)
    assert message["Subject"].startswith("[strainwatch] Warning: Long run")
    assert "strainwatch mute long-run-spike --days 7" in message.get_body(("plain",)).get_content()


def test_a_warning_that_began_during_a_mute_is_mailed_when_the_mute_ends(
    tmp_path: Path, database_url: str, history: Path, recorder: tuple[Recorder, int]
) -> None:
    handler, port = recorder
    settings = settings_of(tmp_path / "config.toml", database_url, [history], smtp_port=port, immediate=True)
    sessions = open_database(database_url)
    _mute(sessions, 1, days_ago=1)  # muted yesterday for one day: speaks again today
    report = run_pass(settings, sessions, now=clock.now())
    assert report.delivery is not None and len(report.delivery.sent) == 1, report.summary()
    assert len(handler.messages) == 1


def test_a_mute_that_has_ended_is_not_listed_nor_unmuted(tmp_path: Path, database_url: str) -> None:
    sessions = open_database(database_url)
    _mute(sessions, 2, days_ago=3)
    now = clock.now()
    with sessions() as session, session.begin():
        journal.mute_rule(session, "sam", "Sam", "hill-spike", 5, today=now.date(), now=now)
        today = now.date()
        assert journal.active_mutes(session, ["sam"], today) == {
            "sam": {"hill-spike": today + timedelta(days=5)}
        }
        assert journal.active_mutes(session, ["sam"], today + timedelta(days=5)) == {}
        assert not journal.unmute_rule(session, "sam", "long-run-spike", today)  # it had ended
        assert journal.unmute_rule(session, "sam", "hill-spike", today)
        assert journal.active_mutes(session, ["sam"], today) == {}
