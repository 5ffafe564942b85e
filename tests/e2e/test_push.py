"""Push channels end to end, as a user runs them: the installed command, a config with an
ntfy channel whose URL (with its token) is in a 0600 secret file, a real SMTP server and a
real ntfy-speaking server on 127.0.0.1, and a planted long-run spike.

One warning gives exactly one mail and one push; with the push server down the mail still
goes and the push waits, then goes exactly once when the server is back; no command's
output and no log line at -vvv (Apprise's own logger included) shows the channel's token.
"""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support import clock
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.histories import write_gpx, write_steady_weeks
from tests.support.push_servers import PushServer
from tests.support.smtp import Recorder

TOKEN = "tk_e2eSecretToken42"  # noqa: S105 - the token the tests look for in every output


def _setup(tmp_path: Path, smtp_port: int, ntfy: PushServer) -> Path:
    """Six steady weeks of 6 km runs, then a 26 km run yesterday: a warning, at once."""
    today = clock.now().replace(hour=6, minute=0, second=0, microsecond=0)
    folder = tmp_path / "runs"
    folder.mkdir()
    write_steady_weeks(folder, today, days_back=2)
    write_gpx(folder / "spike.gpx", today - timedelta(hours=20), 26.0)
    secret = tmp_path / "phone.url"
    secret.write_text(ntfy.apprise_url() + "\n")
    secret.chmod(0o600)
    return write_config(
        tmp_path / "config.toml",
        f"sqlite:///{tmp_path}/state/sw.db",
        [folder],
        smtp_port=smtp_port,
        immediate=True,
        tables='[web]\npublic_url = "https://sw.example.org"\n',
        athlete=f'[[athletes.channels]]\nname = "phone"\nurl_file = "{secret}"\nsend = ["warning", "notice"]\n',
    )


def _outputs(*done: Any) -> str:
    return "\n".join(p.stdout + p.stderr for p in done)


def _log_time(stderr: str, pattern: str) -> float:
    """The wall time of the first log line matching `pattern` (the logging asctime is local)."""
    for line in stderr.splitlines():
        if re.search(pattern, line):
            stamp = line[:23]  # "2026-12-01 23:50:01,123"
            moment = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f")  # noqa: DTZ007 - local, as logged
            return time.mktime(moment.timetuple()) + moment.microsecond / 1e6
    raise AssertionError(f"no log line matches {pattern!r}")


@pytest.mark.slow
def test_one_warning_one_mail_one_push_and_no_token_anywhere(
    tmp_path: Path, recorder: tuple[Recorder, int]
) -> None:
    handler, port = recorder
    with PushServer("ntfy", TOKEN) as ntfy:
        config = _setup(tmp_path, port, ntfy)
        first = run("-vvv", "sync", config=config)
        assert first.returncode == 0, first.stderr
        assert len(handler.messages) == 1 and len(ntfy.received) == 1, (first.stdout, first.stderr)
        [push] = ntfy.received
        assert (
            push.title.startswith("Warning: ") and push.priority == "high" and push.tags == "rotating_light"
        )
        assert re.match(r"https://sw\.example\.org/alerts/\d+$", push.click), push.click
        assert "ref " in push.message and "km" in push.message
        queued = _log_time(
            first.stderr, r"strainwatch\.notify\.dispatch: sam: warning long-run-spike .* queued"
        )
        latency = push.accepted_at - queued
        print(f"\nfrom the warning queued in the pass to the push accepted: {latency * 1000:.0f} ms")
        assert 0 <= latency < 30
        again = run("-vvv", "sync", config=config)
        assert len(handler.messages) == 1 and len(ntfy.received) == 1  # nothing twice
        listing = run("outbox", config=config)
        as_json = run("outbox", "--json", config=config)
        rows = json.loads(as_json.stdout)
        assert sorted((r["channel"], r["status"]) for r in rows) == [("email", "sent"), ("phone", "sent")]
        assert "via phone" in listing.stdout
        doctor = run("doctor", config=config)
        assert "channel phone of sam" in doctor.stdout and "takes connections" in doctor.stdout, doctor.stdout
        sample = run("-vvv", "notify", "test", "--channel", "phone", config=config)
        assert sample.returncode == 0 and "ntfy accepted it" in sample.stdout, sample.stderr
        assert len(ntfy.received) == 2 and ntfy.received[-1].title.startswith("Caution: Sample")
        ntfy.fail_next(401)
        refused = run("notify", "test", "--channel", "phone", config=config)
        assert refused.returncode == 1 and "HTTP 401" in refused.stderr and "permanent" in refused.stderr
        unknown = run("notify", "test", "--channel", "pager", config=config)
        assert unknown.returncode == 1 and "no channel 'pager' (configured: email, phone)" in unknown.stderr
    said = _outputs(first, again, listing, as_json, doctor, sample, refused, unknown)
    assert "Apprise" in said or "apprise" in said  # Apprise's own DEBUG lines are in there
    assert TOKEN not in said and "strainwatch-tk_e2e" not in said  # neither the token nor the topic


def test_receiver_down_then_up_gives_exactly_one_push(tmp_path: Path, recorder: tuple[Recorder, int]) -> None:
    handler, port = recorder
    ntfy = PushServer("ntfy", TOKEN)  # not started: the port refuses connections
    config = _setup(tmp_path, port, ntfy)
    down = run("-v", "sync", config=config)
    assert down.returncode == 0, down.stderr
    assert len(handler.messages) == 1  # the mail does not wait for the phone
    assert "1 to retry" in down.stdout + down.stderr and "no connection to the service" in down.stderr
    listing = run("outbox", config=config)
    assert "pending" in listing.stdout and "no connection to the service" in listing.stdout
    with ntfy:
        later = {"STRAINWATCH_NOW": (clock.now() + timedelta(minutes=2)).isoformat()}
        back = run("-v", "sync", config=config, env=later)
        assert back.returncode == 0, back.stderr
        assert len(ntfy.received) == 1 and ntfy.received[0].title.startswith("Warning: ")
        much_later = {"STRAINWATCH_NOW": (clock.now() + timedelta(hours=2)).isoformat()}
        run("sync", config=config, env=much_later)
        assert len(ntfy.received) == 1 and len(handler.messages) == 1
    assert TOKEN not in _outputs(down, listing, back)


def test_a_channel_without_apprise_is_named_with_the_extra(
    tmp_path: Path, recorder: tuple[Recorder, int]
) -> None:
    """Apprise hidden from the command (a PYTHONPATH entry that shadows it with a module that
    cannot be imported): the mail goes, the push waits, and the message names the extra."""
    handler, port = recorder
    shadow = tmp_path / "shadow"
    (shadow / "apprise").mkdir(parents=True)
    (shadow / "apprise" / "__init__.py").write_text("raise ImportError('hidden for the test')\n")
    config = _setup(tmp_path, port, PushServer("ntfy", TOKEN))
    done = run("sync", config=config, env={"PYTHONPATH": str(shadow)})
    assert done.returncode == 0 and len(handler.messages) == 1
    assert "pip install 'strainwatch[push]'" in done.stdout + done.stderr
    doctor = run("doctor", config=config, env={"PYTHONPATH": str(shadow)})
    assert doctor.returncode == 1 and "strainwatch[push]" in doctor.stdout
