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

from tests.support import clock
from tests.support.cli import EXE, receive
from tests.support.config import write_config
from tests.support.fake_strava import FakeStrava, link_athlete, running, strava_table
from tests.support.smtp import SlowRecorder, free_port, start_smtp

KILLS = 20


def _config(tmp_path: Path, fake: FakeStrava, smtp_port: int) -> Path:
    return write_config(
        tmp_path / "config.toml",
        f"sqlite:///{tmp_path}/state/sw.db",
        None,
        smtp_port=smtp_port,
        immediate=True,
        tables=f"{strava_table(fake, tmp_path)}[daemon]\ninterval = 5\n",
        athlete="[athletes.strava]\nbackfill_days = 90\n",
    )


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
    controller = start_smtp(handler, port)
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
                daemon = subprocess.Popen(
                    [str(EXE), "run"],
                    env={**env, **clock.env()},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                # the first half lands in the backfill, the second half later in the pass: in
                # evaluation, queueing and delivery
                time.sleep(rng.uniform(1.0, 3.0) if kill < KILLS // 2 else rng.uniform(1.0, 6.0))
                daemon.send_signal(signal.SIGKILL)
                daemon.wait(timeout=10)
                with sqlite3.connect(db) as conn:
                    moments.append(
                        (
                            conn.execute("SELECT count(*) FROM activities").fetchone()[0],
                            conn.execute("SELECT count(*) FROM outbox WHERE status = 'sent'").fetchone()[0],
                            len(handler.messages),
                        )
                    )
            print(f"\nafter each kill (activities, mails marked sent, mails received): {moments}")
            notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            notify.bind(str(tmp_path / "notify.sock"))
            daemon = subprocess.Popen(
                [str(EXE), "run"],
                env={**env, **clock.env(), "NOTIFY_SOCKET": str(tmp_path / "notify.sock")},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
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
                        "AND sport_type = 'Run' AND start_time >= ?",
                        ((now - timedelta(days=42)).strftime("%Y-%m-%d %H:%M:%S"),),
                    ).fetchone()[0]
                if stored == expected and mails >= 2 and pending == 0 and fetched == 0:
                    break
            with notify:  # stopped once it has said it is ready (it has: the pass has run)
                assert "READY=1" in receive(notify, "READY=1")
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
