"""Worker capacity: athletes per worker-minute, and a backlog with 1 worker against 2.

Run:  STRAINWATCH_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \\
      python benchmarks/bench_workers.py [--athletes 300]

For each fleet size (1 and 2 workers, alternately, `--rounds` times) on a fresh database: N file-fed athletes with one new
run each (every 20th with six weeks of history and a long run, so some alerts and mail too)
are passed by real `strainwatch worker` processes, timed from the moment every worker is
ready to the moment every athlete's pass is recorded; then every athlete is queued again
(`worker enqueue`) and the passes with nothing new are timed the same way. The worker
processes' start-up is outside the timings. Figures depend on the machine's load: compare
the two fleet sizes of one run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from tests.support.workers import Fleet, fleet_config, wait_for, worker_env, write_fleet

NOW = datetime.now(UTC)  # the real clock: each worker process would start its own pinned one


def passes_after(engine: object, since: datetime) -> int:
    with engine.connect() as c:  # type: ignore[attr-defined]
        return int(
            c.execute(
                text("SELECT count(*) FROM source_health WHERE source = 'rules' AND last_success_at > :t"),
                {"t": since},
            ).scalar_one()
        )


def run(admin_url: str, athletes: int, workers: int) -> tuple[float, float]:
    admin = create_engine(
        make_url(admin_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    name = f"strainwatch_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = (
        make_url(admin_url)
        .set(drivername="postgresql+psycopg", database=name)
        .render_as_string(hide_password=False)
    )
    fleet: Fleet | None = None
    try:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            write_fleet(root, athletes, NOW, runs=1)
            config = fleet_config(root, url, athletes)
            env = {k: v for k, v in worker_env(NOW).items() if k != "STRAINWATCH_NOW"}
            fleet = Fleet(config, env)
            fleet.command("worker", "init")
            engine = create_engine(url)
            for _ in range(workers):
                fleet.start()
            start = time.monotonic()
            before = datetime(2000, 1, 1, tzinfo=UTC)
            wait_for(
                lambda: passes_after(engine, before) >= athletes, 1800, "the backlog", lambda: time.sleep(0.1)
            )
            backlog = time.monotonic() - start
            with engine.connect() as c:
                mark = c.execute(
                    text("SELECT max(last_success_at) FROM source_health WHERE source = 'rules'")
                ).scalar_one()
            start = time.monotonic()
            fleet.command("worker", "enqueue")
            wait_for(
                lambda: passes_after(engine, mark) >= athletes,
                1800,
                "the quiet passes",
                lambda: time.sleep(0.1),
            )
            quiet = time.monotonic() - start
            fleet.stop_all()
            engine.dispose()
            return backlog, quiet
    finally:
        if fleet is not None:
            for worker in fleet.workers:
                worker.process.kill()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--athletes", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2, help="1 and 2 workers alternately, this many times")
    args = parser.parse_args()
    admin_url = os.environ.get("STRAINWATCH_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    print(f"{args.athletes} athletes, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    results: dict[int, list[float]] = {1: [], 2: []}
    for workers in [1, 2] * args.rounds:  # alternately: a load change on a shared machine hits both
        backlog, quiet = run(admin_url, args.athletes, workers)
        results[workers].append(backlog)
        print(
            f"{workers} worker(s): backlog (one new run each) {backlog:.1f} s = "
            f"{args.athletes / backlog * 60 / workers:.0f} athletes per worker-minute; nothing new {quiet:.1f} s = "
            f"{args.athletes / quiet * 60 / workers:.0f} athletes per worker-minute"
        )
    one, two = min(results[1]), min(results[2])
    print(
        f"best of {args.rounds}: 1 worker {one:.1f} s, 2 workers {two:.1f} s: 2 workers take {two / one:.0%} "
        f"of 1 worker's backlog time (load average {os.getloadavg()[0]:.1f} at the end)"
    )


if __name__ == "__main__":
    main()
