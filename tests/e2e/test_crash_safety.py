"""Crash safety: the daemon, against the fake Strava and a real SMTP server, killed with
SIGKILL at random moments during a backfill and during delivery, restarted each time.

At the end every activity is stored exactly once, every alert mail was delivered (a resend
after a kill between acceptance and commit is allowed once, with the same Message-ID), and
SQLite's integrity check passes.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import sqlite3
import subprocess
import time
from collections import Counter
from datetime import datetime, timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests import clock
from tests.e2e.test_cli import EXE
from tests.e2e.test_daemon import _receive
from tests.fake_strava import FakeStrava, link_athlete, running, strava_table
from tests.integration.test_mail import Recorder, free_port

KILLS = 20


class SlowRecorder(Recorder):
    """Accepts after a pause, widening the window between acceptance and the commit."""

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        import asyncio

        await asyncio.sleep(0.3)
        return await super().handle_DATA(server, session, envelope)


def _config(tmp_path: Path, fake: FakeStrava, smtp_port: int) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(f"""
[storage]
url = "sqlite:///{tmp_path}/state/sw.db"
{strava_table(fake, tmp_path)}[smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
from = "strainwatch <sw@example.org>"
timeout = 5
[notify]
digest = "off"
quiet_hours = ""
[daemon]
interval = 5
[[athletes]]
id = "sam"
name = "Sam"
email = "sam@example.org"
timezone = "UTC"
[athletes.strava]
backfill_days = 90
""")
    return config


def _history(fake: FakeStrava, now: datetime) -> int:
    """A steady runner with many activities, and a few runs of the last days far beyond the
    30-day longest: each is a warning to mail."""
    count = 0
    for i in range(400):
        start = now - timedelta(days=85) + timedelta(minutes=i * 85 * 24 * 60 // 400)
        if start > now - timedelta(days=8):
            break
        fake.add_run(1000 + i, start, 5.0 + (i % 3), sport="Ride" if i % 6 == 5 else "Run")
        count += 1
    for j, (hours, km) in enumerate(((60, 16.0), (24, 40.0))):  # each more than double: two warnings
        fake.add_run(9000 + j, now - timedelta(hours=hours), km)
        count += 1
    return count


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    from strainwatch.kinds import parse_settings

    rng = random.Random(20261122)
    now = clock.now().replace(microsecond=0)
    handler = SlowRecorder()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    fake = FakeStrava(limits=(100_000, 1_000_000), read_limits=(100_000, 1_000_000))
    try:
        with running(fake):
            expected = _history(fake, now)
            config = _config(tmp_path, fake, port)
            link_athlete(parse_settings(config.read_text(), config))
            env = {**os.environ, "STRAINWATCH_CONFIG": str(config)}
            db = tmp_path / "state" / "sw.db"
            moments = []
            for kill in range(KILLS):
                daemon = subprocess.Popen([str(EXE), "run"], env={**env, **clock.env()},
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
                # the first half lands in the backfill, the second half later in the pass: in
                # evaluation, queueing and delivery
                time.sleep(rng.uniform(1.0, 3.0) if kill < KILLS // 2 else rng.uniform(1.0, 6.0))
                daemon.send_signal(signal.SIGKILL)
                daemon.wait(timeout=10)
                with sqlite3.connect(db) as conn:
                    moments.append((
                        conn.execute("SELECT count(*) FROM activities").fetchone()[0],
                        conn.execute("SELECT count(*) FROM outbox WHERE status = 'sent'").fetchone()[0],
                        len(handler.messages),
                    ))  # fmt: skip
            print(f"\nafter each kill (activities, mails marked sent, mails received): {moments}")
            notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            notify.bind(str(tmp_path / "notify.sock"))
            daemon = subprocess.Popen(
                [str(EXE), "run"], env={**env, **clock.env(), "NOTIFY_SOCKET": str(tmp_path / "notify.sock")},
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            db = tmp_path / "state" / "sw.db"
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                time.sleep(1)
                with sqlite3.connect(db) as conn:
                    stored = conn.execute(
                        "SELECT count(*) FROM activities WHERE source = 'strava'"
                    ).fetchone()[0]
                    pending = conn.execute("SELECT count(*) FROM outbox WHERE status != 'sent'").fetchone()[0]
                    mails = conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
                    fetched = conn.execute(
                        "SELECT count(*) FROM activities WHERE source = 'strava' AND streams_state IS NULL "
                        "AND sport_type = 'Run' AND start_time >= ?", ((now - timedelta(days=42)).strftime("%Y-%m-%d %H:%M:%S"),)
                    ).fetchone()[0]  # fmt: skip
                if stored == expected and mails >= 2 and pending == 0 and fetched == 0:
                    break
            with notify:  # stopped once it has said it is ready (it has: the pass has run)
                assert "READY=1" in _receive(notify, "READY=1")
            daemon.send_signal(signal.SIGTERM)
            _out, err = daemon.communicate(timeout=15)
            assert daemon.returncode == 0, err
    finally:
        controller.stop()

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        keys = [row[0] for row in conn.execute("SELECT external_id FROM activities WHERE source = 'strava'")]
        rows = conn.execute("SELECT message_id, status FROM outbox").fetchall()
        warnings = conn.execute(
            "SELECT count(*) FROM alerts WHERE severity = 'warning' AND late = 0"
        ).fetchone()[0]
    assert len(keys) == len(set(keys)) == expected  # every activity stored exactly once
    assert warnings == 2 and len(rows) >= 2 and all(status == "sent" for _, status in rows)
    received = Counter(str(message_from_bytes(raw)["Message-ID"]) for _, raw in handler.messages)
    for message_id, _status in rows:
        assert 1 <= received[message_id] <= 2, (message_id, received[message_id])  # at most one resend
    assert set(received) == {message_id for message_id, _ in rows}
    print(f"kills: {KILLS}; messages: {len(rows)}, copies received: {dict(received)}")
