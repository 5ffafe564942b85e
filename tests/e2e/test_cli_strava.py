"""`strainwatch strava auth|status` and a sync, as a user runs them, against the fake Strava."""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support import clock
from tests.support.cli import EXE, run
from tests.support.config import write_config
from tests.support.fake_strava import FakeStrava, running, strava_table


@pytest.fixture
def fake() -> Iterator[FakeStrava]:
    with running(FakeStrava()) as server:
        yield server


def _config(tmp_path: Path, fake: FakeStrava) -> Path:
    return write_config(
        tmp_path / "config.toml",
        f"sqlite:///{tmp_path}/sw.db",
        None,
        notify='digest = "off"\n',
        tables=strava_table(fake, tmp_path),
        athlete="[athletes.strava]\nbackfill_days = 30\n",
    )


@pytest.mark.slow
def test_auth_with_the_pasted_redirect_then_sync_and_status(tmp_path: Path, fake: FakeStrava) -> None:
    fake.add_run(1, clock.now() - timedelta(days=2), 10.0, private_note="calf fine")
    config = _config(tmp_path, fake)
    redirect = "http://localhost/exchange_token?state=&code=good-code&scope=read,activity:read_all"
    auth = run("strava", "auth", "--code", redirect, config=config)
    assert auth.returncode == 0, auth.stderr
    assert (
        f"{fake.url}/oauth/authorize?client_id=12345" in auth.stdout
        and "scope=read%2Cactivity%3Aread_all" in auth.stdout
    )
    assert "sam: linked to Strava (scopes: read,activity:read_all)" in auth.stdout
    assert "access-" not in auth.stdout + auth.stderr
    synced = run("sync", config=config)
    assert synced.returncode == 0 and "strava sam: 1 new" in synced.stdout, synced.stdout
    status = run("strava", "status", config=config)
    assert "sam: Strava athlete 4242, scopes read,activity:read_all, token expires in" in status.stdout
    assert "quota at" in status.stdout
    again = run("strava", "auth", "--code", "good-code", config=config)  # codes are single-use
    assert (
        again.returncode == 1
        and "Strava refused the code" in again.stderr
        and "Traceback" not in again.stderr
    )


def test_auth_receives_the_redirect_on_a_loopback_port(tmp_path: Path, fake: FakeStrava) -> None:
    import socket
    import subprocess

    config = _config(tmp_path, fake)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [str(EXE), "--config", str(config), "strava", "auth", "--listen", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def browser() -> None:
        for _ in range(100):
            try:
                urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/exchange_token?code=good-code&scope=read", timeout=2
                )
                return
            except OSError:
                time.sleep(0.1)

    thread = threading.Thread(target=browser)
    thread.start()
    out, err = process.communicate(timeout=60)
    thread.join()
    assert process.returncode == 0, err
    assert "sam: linked to Strava (scopes: read)" in out
    assert "warning: activity:read_all was not granted" in out
