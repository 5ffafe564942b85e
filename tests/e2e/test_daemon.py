"""`strainwatch run` as systemd runs it: READY and STATUS on the notify socket, journald log
lines, SIGHUP reloads, SIGTERM exits 0 in time, and a manual sync never overlaps a pass."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import IO

import pytest

from tests.support import clock
from tests.support.cli import EXE, receive, run, start_daemon
from tests.support.config import write_config
from tests.support.paths import REPO


@pytest.mark.slow
def test_notify_journald_reload_and_stop(tmp_path: Path) -> None:
    folder = tmp_path / "runs"
    folder.mkdir()
    for name in sorted((REPO / "examples" / "activities").iterdir())[:5]:
        (folder / name.name).write_bytes(name.read_bytes())
    config = write_config(
        tmp_path / "config.toml",
        f"sqlite:///{tmp_path}/state/sw.db",
        [folder],
        tables="[daemon]\ninterval = 5\n",
    )
    notify_path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(notify_path))
        daemon = start_daemon(
            config,
            {"NOTIFY_SOCKET": str(notify_path), "JOURNAL_STREAM": "8:1234", "WATCHDOG_USEC": "2000000"},
        )
        try:
            assert "READY=1" in receive(sock, "READY=1")
            status = receive(sock, "STATUS=sync: 1 athlete(s); files: imported 5")
            assert any("imported 5" in line for line in status)
            assert "WATCHDOG=1" in receive(sock, "WATCHDOG=1", timeout=5)
            config.write_text(config.read_text().replace("interval = 5", "interval = 7"))
            daemon.send_signal(signal.SIGHUP)
            assert any(
                line.startswith("STATUS=config reloaded") for line in receive(sock, "STATUS=config reloaded")
            )
            manual = run("sync", "--wait", "60", config=config)  # waits for the daemon's pass, if any
            assert manual.returncode == 0 and "sync: 1 athlete(s)" in manual.stdout
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
    assert "<6>strainwatch.runtime.daemon: config reloaded" in err
    assert "<6>strainwatch.pipeline.run_pass: sync: 1 athlete(s)" in err


def test_sync_waits_for_the_lock_and_says_so(tmp_path: Path) -> None:
    from strainwatch.store.locking import pass_lock

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
    smtp = (
        f'[smtp]\nhost = "127.0.0.1"\nport = 1\nusername = "u"\npassword_file = "{secret}"\n'
        'from = "a@example.org"\ntimeout = 2\n'
    )
    config = write_config(
        tmp_path / "config.toml", f"sqlite:///{tmp_path}/sw.db", [tmp_path / "missing"], tables=smtp
    )
    run("db", "upgrade", config=config)
    result = run("doctor", config=config)
    assert result.returncode == 1
    out = result.stdout
    assert "[ok  ] database:" in out
    assert "[FAIL] secret smtp-password:" in out and "chmod 600" in out
    assert f"[FAIL] files of sam: {tmp_path / 'missing'} missing or not readable" in out
    assert "[FAIL] mail:" in out
    assert "[ok  ] mail channel: email: 0 sent, 0 pending, 0 parked" in out  # the channel's status
    assert "problem(s)" in out


def _lines_until(stream: IO[str], want: str, timeout: float = 30) -> list[str]:
    """Lines of the daemon's log up to the first holding `want` (read on a thread: no sleeps)."""
    found = threading.Event()
    seen: list[str] = []

    def read() -> None:
        for line in stream:
            seen.append(line)
            if want in line:
                found.set()
                return

    threading.Thread(target=read, daemon=True).start()
    if not found.wait(timeout):
        pytest.fail(f"no {want!r} in the daemon's log; got {seen}")
    return seen


def test_sigterm_during_start_up_exits_0(tmp_path: Path) -> None:
    """Start-up blocked on a database server that accepts and never answers: SIGTERM ends it."""
    with socket.socket() as silent, socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        url = f"postgresql://strainwatch@127.0.0.1:{silent.getsockname()[1]}/strainwatch"
        config = write_config(tmp_path / "config.toml", url)
        sock.bind(str(tmp_path / "notify.sock"))
        daemon = start_daemon(config, {"NOTIFY_SOCKET": str(tmp_path / "notify.sock")})
        try:
            assert daemon.stderr is not None
            _lines_until(daemon.stderr, "strainwatch daemon starting")
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=10)
        finally:
            if daemon.poll() is None:
                daemon.kill()
        sock.settimeout(0.1)
        sent = []
        with contextlib.suppress(TimeoutError):
            while True:
                sent.append(sock.recv(4096).decode())
    assert daemon.returncode == 0
    assert not any("READY=1" in datagram for datagram in sent) and any("STOPPING=1" in d for d in sent)


@pytest.mark.slow
def test_a_hung_pass_starves_the_watchdog_and_sigterm_still_ends_it(tmp_path: Path) -> None:
    from strainwatch.kinds import parse_settings
    from tests.support.fake_strava import FakeStrava, Fault, link_athlete, running, strava_table

    release = threading.Event()
    fake = FakeStrava()
    fake.faults.append(Fault("/athlete/activities", 200, stall=release, times=99))
    with running(fake):
        table = strava_table(fake, tmp_path).replace("timeout = 5", "timeout = 60")
        config = write_config(
            tmp_path / "config.toml",
            f"sqlite:///{tmp_path}/state/sw.db",
            tables=f"[daemon]\ninterval = 60\n{table}",
            athlete="[athletes.strava]\nbackfill_days = 30\n",
        )
        link_athlete(parse_settings(config.read_text(), config))
        notify_path = tmp_path / "notify.sock"
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.bind(str(notify_path))
            daemon = start_daemon(config, {"NOTIFY_SOCKET": str(notify_path), "WATCHDOG_USEC": "2000000"})
            try:
                assert "READY=1" in receive(sock, "READY=1")
                assert fake.stalled.wait(30)  # the pass waits on Strava, which says nothing
                stalled = time.monotonic()  # after the pass's last progress report
                fed = []
                sock.settimeout(0.2)
                while time.monotonic() < stalled + 8:
                    with contextlib.suppress(TimeoutError):
                        if "WATCHDOG=1" in sock.recv(4096).decode():
                            fed.append(time.monotonic() - stalled)
                # the deadline is WatchdogSec (2 s) after the last progress: nothing after it
                assert not [t for t in fed if t > 2.5], fed
                stopping = time.monotonic()
                daemon.send_signal(signal.SIGTERM)
                _out, err = daemon.communicate(timeout=20)
                took = time.monotonic() - stopping
            finally:
                release.set()
                if daemon.poll() is None:
                    daemon.kill()
    assert took < 15  # systemd's TimeoutStopSec is 20 s
    assert daemon.returncode == 1  # blocked in a system call: not a clean stop, and it says so
    assert "watchdog no longer fed" in err and "did not stop within" in err


def test_import_waits_for_the_pass_lock_and_says_so(tmp_path: Path) -> None:
    from strainwatch.store.locking import pass_lock

    url = f"sqlite:///{tmp_path}/sw.db"
    config = write_config(tmp_path / "config.toml", url)
    run("db", "upgrade", config=config)
    example = sorted((REPO / "examples" / "activities").iterdir())[0]
    with pass_lock(url):
        busy = run("import", "--wait", "1", str(example), config=config)
    assert busy.returncode == 1 and "waiting up to 1 s" in busy.stderr
    assert "another strainwatch pass is running" in busy.stderr and "--wait" in busy.stderr
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with pass_lock(url):
            held.set()
            release.wait(30)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(10)
    process = subprocess.Popen(
        [str(EXE), "--config", str(config), "import", "--wait", "60", str(example)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **clock.env()},
    )
    try:
        assert process.stderr is not None
        _lines_until(process.stderr, "import: another strainwatch pass is running")
        release.set()  # the daemon's pass ends: the import goes on
        out, _err = process.communicate(timeout=120)
    finally:
        release.set()
        thread.join()
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0 and "sam: imported 1" in out


def test_a_database_error_is_one_line_without_sql(tmp_path: Path) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from strainwatch.store.db import create_db_engine, store_error, upgrade

    engine = create_db_engine(f"sqlite:///{tmp_path}/sw.db")
    upgrade(engine)
    insert = text("INSERT INTO athletes (id, name, created_at) VALUES (:id, 'Secret Name', '2026-01-01')")
    with engine.begin() as connection:
        connection.execute(insert, {"id": "sam"})
    with pytest.raises(IntegrityError) as raised, engine.begin() as connection:
        connection.execute(insert, {"id": "sam"})
    message = str(store_error(raised.value, "during import"))
    assert message == "database error during import: UNIQUE constraint failed: athletes.id"
    assert "INSERT" not in message and "Secret Name" not in message and "\n" not in message
