"""Multi-channel dispatch over real HTTP and both real stores: a warning is queued as one
outbox row per channel that takes warnings, every row written before any attempt; each
channel keeps its own quiet hours; a channel that refuses (401) is parked with its reason
and holds no other; `outbox retry` sends it once it is mended."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from strainwatch.notify.outbox import retry
from strainwatch.notify.transport import deliver_all
from strainwatch.pipeline.run_pass import run_pass
from strainwatch.store.db import open_database, unit_of_work
from strainwatch.store.models import Outbox
from tests.support import clock
from tests.support.config import settings_of
from tests.support.histories import write_gpx, write_steady_weeks
from tests.support.push_servers import PushServer
from tests.support.smtp import Recorder


def _secret(tmp_path: Path, name: str, url: str) -> Path:
    path = tmp_path / f"{name}.url"
    path.write_text(url)
    path.chmod(0o600)
    return path


def test_a_row_per_channel_before_any_attempt_and_no_channel_holds_another(
    tmp_path: Path, database_url: str, recorder: tuple[Recorder, int]
) -> None:
    handler, port = recorder
    now = clock.now()
    today = now.replace(hour=6, minute=0, second=0, microsecond=0)
    write_steady_weeks(tmp_path, today, days_back=2)
    write_gpx(tmp_path / "spike.gpx", today - timedelta(hours=20), 26.0)
    quiet = f"{(now - timedelta(hours=1)):%H:00}-{(now + timedelta(hours=2)):%H:00}"  # now is inside
    with PushServer("ntfy", "tk_phone_token") as ntfy, PushServer("gotify", "gotify_app_token") as gotify:
        channels = f"""[[athletes.channels]]
name = "phone"
url_file = "{_secret(tmp_path, "phone", ntfy.apprise_url())}"
[[athletes.channels]]
name = "club"
url_file = "{_secret(tmp_path, "club", gotify.apprise_url().replace("gotify_app_token", "wrong_token"))}"
send = ["warning"]
[[athletes.channels]]
name = "night"
url_file = "{_secret(tmp_path, "night", gotify.apprise_url())}"
quiet_hours = "{quiet}"
[[athletes.channels]]
name = "digests"
url_file = "{_secret(tmp_path, "digests", ntfy.apprise_url())}"
send = ["digest"]
"""
        settings = settings_of(
            tmp_path / "config.toml",
            database_url,
            [tmp_path],
            smtp_port=port,
            immediate=True,
            athlete=channels,
        )
        sessions = open_database(database_url)
        seen: list[dict[str, Any]] = []

        def rows_now() -> None:  # at the far side, the moment a push arrives
            with sessions() as session:
                seen.append({r.channel: r.status for r in session.scalars(select(Outbox))})

        ntfy.on_request = gotify.on_request = rows_now
        report = run_pass(settings, sessions, now=now)
        assert report.delivery is not None
        assert seen and seen[0] == {
            "email": "sent",
            "phone": "pending",
            "club": "pending",
            "night": "pending",
        }
        with sessions() as session:
            rows = {r.channel: r for r in session.scalars(select(Outbox))}
        assert set(rows) == {"email", "phone", "club", "night"}  # "digests" takes no warning
        assert (rows["email"].status, rows["phone"].status) == ("sent", "sent")
        assert rows["club"].status == "parked" and "HTTP 401" in (rows["club"].last_error or "")
        assert rows["night"].status == "pending" and rows["night"].attempts == 0  # held by its quiet hours
        assert len(handler.messages) == 1 and len(ntfy.received) == 1 and gotify.received == []
        assert len(report.delivery.parked) == 1 and "club" in report.delivery.summary()
        assert "wrong_token" not in report.summary() + (rows["club"].last_error or "")
        # the user mends the club channel's secret, then retries: it goes once
        _secret(tmp_path, "club", gotify.apprise_url())
        with sessions() as session, unit_of_work(session):
            assert retry(session, [rows["club"].id], now) == 1
        deliver_all(settings, sessions, now)
        assert [r.title for r in gotify.received] == [ntfy.received[0].title]
        # once the night channel's quiet hours end, it goes too; nothing else goes twice
        deliver_all(settings, sessions, now + timedelta(hours=3))
        assert len(gotify.received) == 2 and len(ntfy.received) == 1 and len(handler.messages) == 1
        assert gotify.received[0].ref == gotify.received[1].ref == ntfy.received[0].ref  # one news, one ref


def test_rows_of_a_channel_no_longer_configured_are_parked_with_the_reason(
    tmp_path: Path, database_url: str
) -> None:
    from strainwatch.notify.channels.push.render import push_notice
    from strainwatch.notify.notification import Recipient
    from strainwatch.notify.outbox import enqueue
    from strainwatch.store.models import Athlete

    now = clock.now()
    settings = settings_of(
        tmp_path / "config.toml", database_url, None, notify=f'mbox = "{tmp_path}/mail.mbox"\n'
    )
    sessions = open_database(database_url)
    notice = push_notice(
        Recipient("sam", "Sam", "sam@example.org"), "sw", "A notice", "x", key="n:1", now=now
    )
    with sessions() as session, unit_of_work(session):
        session.add(Athlete(id="sam", name="Sam", created_at=now))
        session.flush()
        enqueue(session, athlete_id="sam", kind="notice", message=notice, now=now, channel="old-phone")
    report = deliver_all(settings, sessions, now)
    assert report.parked == ["A notice: channel 'old-phone' of sam is no longer configured"]
    with sessions() as session:
        [row] = session.scalars(select(Outbox)).all()
    assert (row.status, row.attempts) == ("parked", 0)


def test_a_service_slower_than_the_timeout_is_temporary_and_leaves_no_thread_behind() -> None:
    """The import workers fork only from a process without other threads: a push must not
    leave Apprise's pools behind, and a slow service must not hold a pass past its timeout."""
    import threading
    import time

    from strainwatch.notify.channels.base import TemporaryDeliveryError
    from strainwatch.notify.channels.push import PushChannel
    from strainwatch.notify.channels.push.render import push_notice
    from strainwatch.notify.notification import Recipient

    notice = push_notice(
        Recipient("sam", "Sam", "s@example.org"), "sw", "A notice", "x", key="n:1", now=clock.now()
    )
    with PushServer("ntfy", "tk_slow_token") as ntfy:
        ntfy.delay = 3.0
        channel = PushChannel("phone", ntfy.apprise_url(), timeout=1)
        started = time.monotonic()
        with pytest.raises(TemporaryDeliveryError, match="no connection to the service"):
            channel.send(notice)
        assert time.monotonic() - started < 2.5
        ntfy.delay = 0.0
        assert channel.send(notice).startswith("ntfy accepted it")
    assert [t for t in threading.enumerate() if t.name.startswith("ThreadPoolExecutor")] == []
