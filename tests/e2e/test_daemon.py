"""`strainwatch run` as systemd runs it: READY and STATUS on the notify socket, journald log
lines, SIGHUP reloads, SIGTERM exits 0 in time, and a manual sync never overlaps a pass."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests import clock
from tests.conftest import REPO, write_config
from tests.e2e.test_cli import EXE, run


def _daemon(config: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    full = {**os.environ, **clock.env(), **env, "STRAINWATCH_CONFIG": str(config)}
    return subprocess.Popen(
        [str(EXE), "run"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full
    )


def _receive(sock: socket.socket, want: str, timeout: float = 30) -> list[str]:
    got: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            got += sock.recv(4096).decode().split("\n")
        except TimeoutError:
            break
        if any(line.startswith(want) for line in got):
            return got
    pytest.fail(f"no {want} from the daemon; got {got}")


def test_notify_journald_reload_and_stop(tmp_path: Path) -> None:
    folder = tmp_path / "runs"
    folder.mkdir()
    for name in sorted((REPO / "examples" / "activities").iterdir())[:5]:
        (folder / name.name).write_bytes(name.read_bytes())
    config = write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path}/state/sw.db", [folder],
                          extra='\n[daemon]\ninterval = 5\n')  # fmt: skip
    notify_path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(notify_path))
        daemon = _daemon(config, {"NOTIFY_SOCKET": str(notify_path), "JOURNAL_STREAM": "8:1234",
                                  "WATCHDOG_USEC": "2000000"})  # fmt: skip
        try:
            assert "READY=1" in _receive(sock, "READY=1")
            status = _receive(sock, "STATUS=sync: 1 athlete(s); files: imported 5")
            assert any("imported 5" in line for line in status)
            assert "WATCHDOG=1" in _receive(sock, "WATCHDOG=1", timeout=5)
            config.write_text(config.read_text().replace("interval = 5", "interval = 7"))
            daemon.send_signal(signal.SIGHUP)
            time.sleep(2)
            busy = run("sync", "--wait", "0", config=config)  # between passes the lock is free
            assert busy.returncode == 0
            stopped = time.monotonic()
            daemon.send_signal(signal.SIGTERM)
            _out, err = daemon.communicate(timeout=10)
            assert time.monotonic() - stopped < 10
        finally:
            if daemon.poll() is None:
                daemon.kill()
    assert daemon.returncode == 0, err
    lines = [line for line in err.splitlines() if line]
    assert lines and all(line.startswith("<") for line in lines), lines[:5]  # journald priorities
    assert "<6>strainwatch.service: config reloaded" in err
    assert "<6>strainwatch.sync: sync: 1 athlete(s)" in err


def test_sync_waits_for_the_lock_and_says_so(tmp_path: Path) -> None:
    from strainwatch.locking import pass_lock

    config = write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path}/sw.db")
    run("db", "upgrade", config=config)
    with pass_lock(f"sqlite:///{tmp_path}/sw.db"):
        busy = run("sync", "--wait", "1", config=config)
    assert busy.returncode == 0 and "sync skipped: another strainwatch pass is running" in busy.stdout
    free = run("sync", "--wait", "1", config=config)
    assert "sync: 1 athlete(s)" in free.stdout


def test_doctor_lists_what_is_wrong(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("x")
    secret.chmod(0o644)
    config = write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path}/sw.db", [tmp_path / "missing"])
    config.write_text(f'[smtp]\nhost = "127.0.0.1"\nport = 1\nusername = "u"\npassword_file = "{secret}"\n'
                      'from = "a@example.org"\ntimeout = 2\n' + config.read_text())  # fmt: skip
    run("db", "upgrade", config=config)
    result = run("doctor", config=config)
    assert result.returncode == 1
    out = result.stdout
    assert "[ok  ] database:" in out
    assert "[FAIL] secret smtp-password:" in out and "chmod 600" in out
    assert f"[FAIL] files of sam: {tmp_path / 'missing'} missing or not readable" in out
    assert "[FAIL] mail:" in out
    assert "problem(s)" in out
