"""What the runner ran, said in the mail (issue 21), through a real SMTP server (aiosmtpd
on 127.0.0.1): a run left out of running load is named in the next digest, once; a warning
whose run the runner corrected away is withdrawn in words that say what the run was."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

from strainwatch.kinds import parse_settings
from strainwatch.notify.dispatch import queue_notifications
from strainwatch.notify.transport import deliver_all
from strainwatch.pipeline.run_pass import run_pass
from strainwatch.store.db import open_database, unit_of_work
from tests.support import clock
from tests.support.histories import write_gpx, write_steady_weeks


def _settings(tmp_path: Path, database_url: str, folder: Path, port: int, units: str = "km") -> Any:
    text = f"""
[storage]
url = "{database_url}"
[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
from = "strainwatch <sw@example.org>"
timeout = 5
[notify]
quiet_hours = ""
digest = "off"

[[athletes]]
id = "sam"
name = "Sam"
email = "sam@example.org"
timezone = "UTC"
units = "{units}"
[athletes.files]
paths = ["{folder}"]
"""
    return parse_settings(text, tmp_path / "config.toml")


def _digest_now(settings: Any, sessions: Any, now: datetime) -> None:
    """What `strainwatch digest --now` does: queue the athlete's digest, then deliver."""
    with sessions() as session, unit_of_work(session):
        queue_notifications(session, settings, settings.athletes[0], now, force_digest=True)
    deliver_all(settings, sessions, now)


def _bodies(raw: bytes) -> tuple[str, str, str]:
    message = message_from_bytes(raw, policy=default)
    assert isinstance(message, EmailMessage)
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return str(message["Subject"]), text.get_content(), html.get_content()


def test_the_next_digest_names_a_run_left_out_of_running_load_once(
    tmp_path: Path, database_url: str, recorder: tuple[Any, int]
) -> None:
    handler, port = recorder
    folder = tmp_path / "runs"
    folder.mkdir()
    today = clock.now().replace(hour=6, minute=0, second=0, microsecond=0)
    write_steady_weeks(folder, today)
    drive = today - timedelta(days=2)
    # 22 km at 6.9 m/s (2:25/km): under cleaning's 7 m/s, over the world record's pace
    write_gpx(folder / "drive.gpx", drive, 22.0, speed=6.9, note="home <b>fast</b>\r\nBcc: x@example.org")
    settings = _settings(tmp_path, database_url, folder, port, units="mi")
    sessions = open_database(database_url)
    now = clock.now()
    run_pass(settings, sessions, now=now)
    _digest_now(settings, sessions, now)  # each digest below on a day of its own (one per day)
    [(_to, raw)] = handler.messages[-1:]
    subject, text, html = _bodies(raw)
    assert "1 not counted" in subject
    said = re.search(r"Not counted as running load:\r?\n  (.+?)\r?\n", text)
    assert said is not None, text
    line = said.group(1)
    assert re.fullmatch(
        rf"{drive:%a %d %b}, Run home <b>fast</b> Bcc: x@example\.org: 13\.6\d mi at 3:5\d/mi: too fast for a run, "
        r"looks like a vehicle; `strainwatch activity (\d+) --running` if it was a run",
        line,
    ), line
    first_id = re.findall(r"activity (\d+) --running", line)[0]
    assert "<b>fast</b>" not in html and "&lt;b&gt;fast&lt;/b&gt;" in html
    assert "Bcc" not in message_from_bytes(raw, policy=default)

    count = len(handler.messages)
    _digest_now(settings, sessions, now + timedelta(days=1))  # the next digest: said once is enough
    assert len(handler.messages) == count  # nothing else untold: no digest at all
    write_gpx(folder / "drive2.gpx", today - timedelta(hours=3), 15.0, speed=6.9)  # another one
    run_pass(settings, sessions, now=now + timedelta(days=2))
    _digest_now(settings, sessions, now + timedelta(days=2))
    [(_to, later)] = handler.messages[count:]
    subject, text, _html = _bodies(later)
    assert "1 not counted" in subject
    named = re.findall(r"`strainwatch activity (\d+) --running`", text)
    assert len(named) == 1 and named[0] != first_id  # the first drive is not named again


def test_a_warning_corrected_away_is_withdrawn_in_words_in_the_next_mail(
    tmp_path: Path, database_url: str, recorder: tuple[Any, int]
) -> None:
    """A stored 20 km run raises a warning, mailed at once; the runner says it was 6.2 km
    (as the other runs: no spike at all); the next mail says the 20.0 km run was 6.2 km and
    the warning is withdrawn."""
    from sqlalchemy import select

    from strainwatch.store import overrides
    from strainwatch.store.models import Activity, Alert

    handler, port = recorder
    folder = tmp_path / "runs"
    folder.mkdir()
    today = clock.now().replace(hour=6, minute=0, second=0, microsecond=0)
    write_steady_weeks(folder, today)
    long_run = today - timedelta(days=1)
    write_gpx(folder / "long.gpx", long_run, 20.0)
    settings = _settings(tmp_path, database_url, folder, port)
    sessions = open_database(database_url)
    now = clock.now()
    run_pass(settings, sessions, now=now)
    [(_to, raw)] = handler.messages
    assert _bodies(raw)[0].startswith("[strainwatch] Warning: Long run")

    with sessions() as session, unit_of_work(session):
        [spike] = session.scalars(select(Alert).where(Alert.rule == "long-run-spike")).all()
        run = session.get_one(Activity, spike.activity_ids[0])
        overrides.correct(session, run, now, distance_m=6200.0)
    run_pass(settings, sessions, now=now + timedelta(minutes=30))
    with sessions() as session:
        spike = session.get_one(Alert, spike.id)
        assert spike.withdrawn and spike.status == "resolved"
    _digest_now(settings, sessions, now + timedelta(hours=1))
    subject, text, html = _bodies(handler.messages[-1][1])
    assert "withdrawn" in subject
    line = f"the 20.0 km run on {long_run:%a %d %b} was 6.2 km: warning withdrawn (Long run"
    assert re.search(rf"Withdrawn after your correction:\r?\n  {re.escape(line)}", text), text
    assert line in html

    count = len(handler.messages)
    write_gpx(folder / "drive.gpx", today, 15.0, speed=6.9)  # something else to tell later
    run_pass(settings, sessions, now=now + timedelta(days=2))  # a day on from the digest's, at any hour
    _digest_now(settings, sessions, now + timedelta(days=2, minutes=1))
    [(_to, later)] = handler.messages[count:]
    assert "Not counted" in _bodies(later)[1] and "withdrawn" not in _bodies(later)[1]  # said once
