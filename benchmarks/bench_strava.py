"""Strava sync cost against the local fake server: requests and wall time for a 1,000-activity
backfill, a pass with nothing new, and a pass with one new run.

Run:  python benchmarks/bench_strava.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.fake_strava import FakeStrava, link_athlete, running, strava_table

from strainwatch.kinds import parse_settings
from strainwatch.sources.strava.sync import sync_strava
from strainwatch.store.db import open_database


def main() -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    with (
        running(FakeStrava(limits=(100_000, 1_000_000), read_limits=(100_000, 1_000_000))) as fake,
        tempfile.TemporaryDirectory() as tmp,
    ):
        runs_recent = 0
        for i in range(1000):
            start = now - timedelta(days=120) + timedelta(seconds=i * 119 * 86400 // 1000)
            sport = "Ride" if i % 4 == 3 else "Run"
            fake.add_run(10_000 + i, start, 6.0 + i % 10, sport=sport)
            runs_recent += sport == "Run" and start >= now - timedelta(days=42)
        settings = parse_settings(
            f'[storage]\nurl = "sqlite:///{tmp}/sw.db"\n{strava_table(fake, Path(tmp))}'
            '[[athletes]]\nid = "sam"\nname = "Sam"\nemail = "s@example.org"\n[athletes.strava]\nbackfill_days = 121\n',
            Path(tmp) / "c.toml",
        )
        link_athlete(settings)
        sessions = open_database(settings.database_url)
        athlete = settings.athletes[0]
        for label, when, before in (
            ("backfill of 1,000 activities", now, None),
            ("nothing new", now + timedelta(minutes=15), None),
            ("one new run", now + timedelta(minutes=30), lambda: fake.add_run(99_999, now, 10.0)),
        ):
            if before:
                before()
            started = time.perf_counter()
            report = sync_strava(sessions, settings, athlete, when)
            took = time.perf_counter() - started
            print(f"{label}: {report.requests} requests, {took:.2f} s ({report.summary()})")
        print(
            f"budget for the backfill: ceil(1000/200) = 5 list requests + 2 x {runs_recent} recent runs "
            f"= {5 + 2 * runs_recent}"
        )


if __name__ == "__main__":
    main()
