"""Crash safety with a push channel: the daemon, reading planted runs from a folder, mailing
through a real SMTP server and pushing to a slow ntfy server on 127.0.0.1, killed with
SIGKILL at random moments (in the pass, in queueing, in delivery) and restarted each time.

At the end every warning went to each channel: at least once, at most twice (a resend after
a kill between acceptance and commit), and a second copy carries the same reference (push)
or Message-ID (mail). SQLite's integrity check passes.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest

from strainwatch.notify.channels.push.render import push_ref
from tests.support import clock
from tests.support.cli import EXE
from tests.support.config import write_config
from tests.support.histories import write_gpx, write_steady_weeks
from tests.support.push_servers import PushServer
from tests.support.smtp import SlowRecorder, free_port, start_smtp

KILLS = 8


ATHLETES = ("sam", "kim", "lee")


def _config(tmp_path: Path, smtp_port: int, ntfy: PushServer) -> Path:
    """Three runners, each with the same planted history and a phone channel of their own."""
    today = clock.now().replace(hour=6, minute=0, second=0, microsecond=0)
    now = clock.now()
    secret = tmp_path / "phone.url"
    secret.write_text(ntfy.apprise_url())
    secret.chmod(0o600)
    for athlete in ATHLETES:
        folder = tmp_path / athlete
        folder.mkdir()
        write_steady_weeks(folder, today, days_back=2)
        for hours, km in ((60, 14.0), (36, 30.0), (12, 62.0)):  # each more than double the longest before
            write_gpx(folder / f"spike{hours}.gpx", now - timedelta(hours=hours), km)
    return write_config(
        tmp_path / "config.toml",
        f"sqlite:///{tmp_path}/state/sw.db",
        lambda athlete: [tmp_path / athlete],
        athletes=ATHLETES,
        smtp_port=smtp_port,
        immediate=True,
        tables="[daemon]\ninterval = 5\n",
        athlete=f'[[athletes.channels]]\nname = "phone"\nurl_file = "{secret}"\ntimeout = 2\n',
    )


def _rows(db: Path) -> list[tuple[str, str, str, str]]:
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        try:
            return conn.execute("SELECT channel, idempotency_key, message_id, status FROM outbox").fetchall()
        except sqlite3.OperationalError:  # killed before the first migration committed
            return []


@pytest.mark.slow
def test_sigkill_during_delivery_pushes_each_warning_once_or_twice_never_lost(tmp_path: Path) -> None:
    rng = random.Random(20261201)
    handler = SlowRecorder()
    port = free_port()
    controller = start_smtp(handler, port)
    try:
        with PushServer("ntfy", "tk_crash_token") as ntfy:
            ntfy.delay = 0.3  # a slow acceptance widens the window between acceptance and commit
            config = _config(tmp_path, port, ntfy)
            env = {**os.environ, "STRAINWATCH_CONFIG": str(config)}
            db = tmp_path / "state" / "sw.db"
            moments = []
            for _kill in range(KILLS):
                daemon = subprocess.Popen(
                    [str(EXE), "run"],
                    env={**env, **clock.env()},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                time.sleep(rng.uniform(1.0, 4.5))
                daemon.send_signal(signal.SIGKILL)
                daemon.wait(timeout=10)
                rows = _rows(db)
                moments.append((len(rows), sum(s == "sent" for *_, s in rows), len(ntfy.received)))
            print(f"\nafter each kill (outbox rows, rows marked sent, pushes received): {moments}")
            daemon = subprocess.Popen(
                [str(EXE), "run"],
                env={**env, **clock.env()},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                time.sleep(1)
                rows = _rows(db)
                channels = {channel for channel, *_ in rows}
                if channels == {"email", "phone"} and all(status == "sent" for *_, status in rows):
                    break
            daemon.send_signal(signal.SIGTERM)
            _out, err = daemon.communicate(timeout=15)
            assert daemon.returncode == 0, err
            pushes = Counter(r.ref for r in ntfy.received)
    finally:
        controller.stop()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        warnings = conn.execute(
            "SELECT count(*) FROM alerts WHERE severity = 'warning' AND late = 0"
        ).fetchone()[0]
    rows = _rows(db)
    mails = Counter(str(message_from_bytes(raw)["Message-ID"]) for _, raw in handler.messages)
    by_channel = Counter(channel for channel, *_ in rows)
    keys = {channel: sorted(k for c, k, *_ in rows if c == channel) for channel in ("email", "phone")}
    assert warnings >= 2 * len(ATHLETES) and by_channel["email"] >= 1 and keys["email"] == keys["phone"], (
        warnings,
        rows,
    )
    assert all(status == "sent" for *_, status in rows)
    for channel, key, message_id, _status in rows:
        copies = mails[message_id] if channel == "email" else pushes[push_ref(key)]
        assert 1 <= copies <= 2, (channel, key, copies)  # never lost, at most one resend
    assert set(pushes) == {push_ref(key) for channel, key, *_ in rows if channel == "phone"}
    print(f"\nkills: {KILLS}; push copies: {dict(pushes)}; mail copies: {dict(mails)}")
