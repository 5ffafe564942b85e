"""A new user's intervals.icu set-up through the real command: sync, doctor, a wrong key."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.support import clock
from tests.support.cli import run
from tests.support.config import write_config
from tests.support.fake_intervals import FakeIntervals, intervals_table, running

LISTING = "/api/v1/athlete/i424242/activities"


@pytest.mark.slow
def test_sync_doctor_and_a_wrong_key_through_the_command(tmp_path: Path) -> None:
    now = clock.now()
    with running(FakeIntervals()) as fake:
        for day in range(30, 0, -3):
            fake.add_run(f"i{day}", now - timedelta(days=day), 7.0)
        fake.add_strava_stub("15550001", now - timedelta(days=2))
        table = intervals_table(fake, tmp_path)
        (tmp_path / "runs").mkdir()
        config = write_config(
            tmp_path / "config.toml",
            f"sqlite:///{tmp_path}/sw.db",
            [tmp_path / "runs"],
            athlete=table,
            tables='[watch]\nmode = "poll"\n',
        )
        first = run("sync", config=config)
        assert first.returncode == 0, first.stderr
        assert "intervals sam: 10 new" in first.stdout and "1 from Strava skipped" in first.stdout
        fake.log.clear()
        second = run("sync", config=config)
        assert "intervals sam: 0 new, 0 updated, 0 deleted, 1 requests" in second.stdout
        assert [line.split("?")[0] for line in fake.log] == [f"GET {LISTING}"]
        doctor = run("doctor", config=config)
        assert "[ok  ] intervals sam:" in doctor.stdout and "synced up to" in doctor.stdout
        assert (
            f'[ok  ] watch: polling for {tmp_path / "runs"} (mode = "poll"); polled every 2 s'
            in doctor.stdout
        )
        key = tmp_path / "intervals-sam"
        key.chmod(0o644)
        loose = run("doctor", config=config)
        assert "[FAIL] intervals sam:" in loose.stdout and "chmod 600" in loose.stdout
        key.write_text("revoked-key\n")
        key.chmod(0o600)
        fake.log.clear()
        for _ in range(3):
            run("sync", config=config)
        assert len(fake.log) == 1  # one refused request, then none until the key changes
        assert "refused this API key" in run("doctor", config=config).stdout
        assert "revoked-key" not in (tmp_path / "mail.mbox").read_text(errors="replace")
