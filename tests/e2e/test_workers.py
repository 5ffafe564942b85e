"""`strainwatch worker` against the real PostgreSQL: three worker processes share many
file-fed athletes and a Strava-linked one (the local fake Strava), mail goes to a real SMTP
server, and workers are SIGKILLed at seeded random moments and started again.

At the end every activity is stored once, every alert once, every queued message was
delivered (a resend after a kill between acceptance and commit is allowed once, with the
same Message-ID), and every athlete had its pass: none starved. The suite runs 90 athletes;
`STRAINWATCH_WORKER_ATHLETES=300` runs the full size (benchmarks/bench_workers.py prints both).
"""

from __future__ import annotations

import os
import random
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support import clock
from tests.support.cli import EXE
from tests.support.config import plain_smtp, write_config
from tests.support.databases import postgres_database
from tests.support.fake_strava import FakeStrava, link_athlete, running, strava_table
from tests.support.smtp import Recorder, free_port, start_smtp
from tests.support.workers import Fleet, fleet_config, wait_for, worker_env, write_fleet

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ATHLETES = int(os.environ.get("STRAINWATCH_WORKER_ATHLETES", "90"))
KILLS = int(os.environ.get("STRAINWATCH_WORKER_KILLS", "6"))
SEED = 15


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from postgres_database()


def test_a_worker_refuses_sqlite_in_one_line(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path}/sw.db")
    done = subprocess.run(
        [str(EXE), "--config", str(config), "worker"], check=False, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert lines[0] == "strainwatch: error: strainwatch worker needs PostgreSQL; this install uses sqlite"
    assert "strainwatch run" in done.stderr  # the hint names the daemon


def test_killed_workers_lose_nothing_and_duplicate_nothing(tmp_path: Path, postgres_url: str) -> None:
    now = clock.now()
    rng = random.Random(SEED)
    handler = Recorder()
    port = free_port()
    controller = start_smtp(handler, port)
    fake = FakeStrava(limits=(100_000, 1_000_000), read_limits=(100_000, 1_000_000))
    for i in range(24):  # a steady Strava runner, then a run far beyond the recent longest
        fake.add_run(9000 + i, now - timedelta(days=50) + timedelta(days=2 * i), 5.0)
    fake.add_run(9100, now - timedelta(hours=20), 21.0)
    try:
        with running(fake):
            files = write_fleet(tmp_path, ATHLETES, now)
            strava_athlete = (
                '[[athletes]]\nid = "strava"\nname = "Linked"\nemail = "linked@example.org"\ntimezone = "UTC"\n'
                "[athletes.strava]\nbackfill_days = 90\n"
            )
            config = fleet_config(
                tmp_path, postgres_url, ATHLETES, plain_smtp(port) + strava_table(fake, tmp_path)
            )
            config.write_text(config.read_text() + "\n" + strava_athlete)
            fleet = Fleet(config, worker_env(now))
            assert fleet.command("worker", "init").strip() == "job tables created"
            from strainwatch.kinds import load_settings

            link_athlete(load_settings(str(config)), "strava")
            engine = create_engine(postgres_url)
            total = ATHLETES + 1

            def passed() -> int:
                with engine.connect() as c:
                    return int(
                        c.execute(
                            text(
                                "SELECT count(*) FROM source_health WHERE source = 'rules' AND last_success_at IS NOT NULL"
                            )
                        ).scalar_one()
                    )

            def settled() -> bool:
                with engine.connect() as c:
                    busy = c.execute(
                        text(
                            "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing') "
                            "AND task_name <> 'strainwatch.tick'"
                        )
                    ).scalar_one()
                    pending = c.execute(
                        text("SELECT count(*) FROM outbox WHERE status = 'pending'")
                    ).scalar_one()
                return passed() == total and busy == 0 and pending == 0

            def pause() -> None:
                time.sleep(0.2)  # a poll interval between two database reads, not a wait for an event

            started = time.monotonic()
            for _ in range(3):
                fleet.start()
            kills = 0
            while kills < KILLS and passed() < total:
                target = passed() + rng.randint(1, max(1, total // (KILLS * 4)))
                wait_for(
                    lambda t=target: passed() >= min(t, total) or passed() >= total,
                    120,  # type: ignore[misc]
                    "passes between kills",
                    pause,
                )
                if passed() >= total:
                    break
                victim = rng.choice(fleet.workers)
                fleet.kill(victim)
                kills += 1
                fleet.start(wait=False)  # the next kill may come while it starts: a moment like any other
            assert all(w.ready.wait(60) for w in fleet.workers)
            wait_for(settled, 180, "every athlete's pass and every message", pause)
            elapsed = time.monotonic() - started
            codes = fleet.stop_all()
            assert codes == [0, 0, 0]

            with engine.connect() as c:
                stored = c.execute(text("SELECT count(*) FROM activities WHERE source = 'file'")).scalar_one()
                twins = c.execute(
                    text(
                        "SELECT count(*) FROM (SELECT athlete_id, start_time FROM activities "
                        "GROUP BY athlete_id, start_time HAVING count(*) > 1) t"
                    )
                ).scalar_one()
                strava = c.execute(
                    text("SELECT count(*) FROM activities WHERE source = 'strava'")
                ).scalar_one()
                alerts = c.execute(text("SELECT count(*) FROM alerts")).scalar_one()
                alert_twins = c.execute(
                    text(
                        "SELECT count(*) FROM (SELECT athlete_id, rule, day FROM alerts GROUP BY athlete_id, rule, day "
                        "HAVING count(*) > 1) t"
                    )
                ).scalar_one()
                odd_files = c.execute(
                    text(
                        "SELECT athlete_id, path, status, error FROM imported_files WHERE status <> 'imported'"
                    )
                ).all()
                outbox = dict(c.execute(text("SELECT message_id, status FROM outbox")).all())
                linked_ok = c.execute(
                    text(
                        "SELECT last_success_at IS NOT NULL FROM source_health WHERE athlete_id = 'strava' AND source = 'strava'"
                    )
                ).scalar_one()
            engine.dispose()
    finally:
        controller.stop()

    received = Counter(str(message_from_bytes(raw)["Message-ID"]).strip("<>") for _, raw in handler.messages)
    outbox_ids = {mid.strip("<>") for mid in outbox}
    passes = sum(1 for line in fleet.logs if "strainwatch.runtime.worker_jobs: pass of " in line)
    revived = sum(1 for line in fleet.logs if "of a dead worker queued again" in line)
    duplicates = sum(n - 1 for n in received.values())
    print(
        f"\nworkers: {ATHLETES} file athletes + 1 Strava, {files} files, {kills} kills, {passes} pass jobs "
        f"logged, {revived} stalled jobs taken over, {len(outbox)} messages, {duplicates} duplicate(s), "
        f"{elapsed:.1f} s"
    )
    # every file's activity stored once, also the one a killed pass was reading (read once more)
    assert not odd_files
    assert stored == files
    assert twins == 0  # ... and no activity twice
    assert strava == 25 and linked_ok  # the linked athlete's Strava history, once
    assert alerts > 0 and alert_twins == 0  # every alert once
    assert outbox and set(outbox.values()) == {"sent"}
    assert set(received) == outbox_ids  # every message delivered ...
    assert (
        all(n <= 2 for n in received.values()) and duplicates <= kills
    )  # ... at most once more after a kill
    assert kills >= min(KILLS, 3)  # the workers were killed while athletes were still waiting
