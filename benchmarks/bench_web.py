"""Issue 13's figures: the server time of the overview page for ten years of running (about
3,000 runs), warm and cold side by side, and the idle RSS of the daemon serving the page
(beside the same daemon with `[web] enabled = false`).

Run:  python benchmarks/bench_web.py [--runs 3000] [--requests 30] [--passes 5]

Builds the history in a fresh SQLite database, evaluates it with one real pass, then starts
`strainwatch run` and asks for the overview over HTTP; the server time is the page's
`Server-Timing` header (the handler and the template, without the network). Cold: a run is
written into the database and the overview asked for at once, so the request models the
history itself; after a pass: the same, but a daemon passing every ~5 s has passed first
(the daemon models the overview again after each pass).
"""

from __future__ import annotations

import argparse
import os
import queue
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 30, 19, 0, tzinfo=UTC)


def config(root: Path, web: str) -> Path:
    path = root / f"config-{abs(hash(web))}.toml"
    path.write_text(
        f'[storage]\nurl = "sqlite:///{root}/sw.db"\n[daemon]\ninterval = 3600\n[web]\n{web}\n'
        '[[athletes]]\nid = "runner"\nname = "Runner"\nemail = "r@example.org"\ntimezone = "Europe/Berlin"\n',
        encoding="utf-8",
    )
    return path


def build(root: Path, runs: int) -> None:
    sys.path.insert(0, str(REPO / "daemon"))
    from strainwatch.kinds import load_settings
    from strainwatch.pipeline.run_pass import run_pass
    from strainwatch.store.db import open_database
    from strainwatch.store.models import Activity, Athlete

    settings = load_settings(str(config(root, 'listen = "127.0.0.1:0"')))
    sessions = open_database(settings.database_url)
    rng = random.Random(13)
    first = NOW - timedelta(days=3650)
    gap = 3650 / runs
    with sessions() as session, session.begin():
        session.add(Athlete(id="runner", name="Runner", created_at=first))
        session.flush()
        for i in range(runs):
            start = first + timedelta(days=i * gap, hours=rng.uniform(-2, 2))
            metres = rng.choice([5000, 6000, 8000, 10000, 12000, 16000, 21000]) * rng.uniform(0.8, 1.2)
            pace = rng.uniform(290, 380)
            session.add(
                Activity(
                    athlete_id="runner",
                    source="file",
                    external_id=f"r{i}",
                    sport_type="Run",
                    name=f"Run {i}",
                    start_time=start,
                    distance_m=metres,
                    moving_time_s=metres / 1000 * pace,
                    elapsed_time_s=metres / 1000 * pace + 60,
                    pace_s_per_km=pace,
                    gap_s_per_km=pace - 5,
                    ascent_m=rng.uniform(0, 200),
                    descent_m=rng.uniform(0, 200),
                    avg_hr=rng.uniform(130, 160),
                    gap_profile={str(int(pace) // 5 * 5): metres / 1000 * pace},
                    raw={},
                    created_at=start,
                    updated_at=start,
                )
            )
    started = time.perf_counter()
    report = run_pass(settings, sessions, now=NOW)
    print(
        f"history: {runs} runs over 10 years; first pass {time.perf_counter() - started:.1f} s: {report.summary()}"
    )


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


def new_run(root: Path, n: int) -> None:
    """A run lands (written straight into the database, as an import would): the runner's
    history changed, so the next overview is cold unless a pass has modelled it already."""
    from strainwatch.store.db import open_database
    from strainwatch.store.models import Activity

    with open_database(f"sqlite:///{root}/sw.db")() as session, session.begin():
        start = NOW - timedelta(hours=n + 1)
        session.add(
            Activity(
                athlete_id="runner",
                source="file",
                external_id=f"new{n}",
                sport_type="Run",
                name="new",
                start_time=start,
                distance_m=8000.0 + n,
                moving_time_s=2640.0,
                elapsed_time_s=2700.0,
                gap_s_per_km=325.0,
                gap_profile={},
                raw={},
                created_at=start,
                updated_at=start,
            )
        )


class Daemon:
    """`strainwatch run` with its stderr read in a thread (a full pipe would stall it)."""

    def __init__(self, root: Path, web: str, interval: int = 3600) -> None:
        exe = Path(sys.executable).with_name("strainwatch")
        path = config(root, web)
        path.write_text(
            path.read_text().replace("interval = 3600", f"interval = {interval}"), encoding="utf-8"
        )
        env = {**os.environ, "STRAINWATCH_CONFIG": str(path), "STRAINWATCH_NOW": NOW.isoformat()}
        self.process = subprocess.Popen([str(exe), "run"], stderr=subprocess.PIPE, text=True, env=env)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.base = None
        while True:
            line = self.lines.get(timeout=600)
            if found := re.search(r"web page on (http://[\d.:]+)/", line):
                self.base = found.group(1)
            if "sync:" in line:  # the first pass is over
                break

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.put(line)

    def next_pass(self) -> None:
        while "sync:" not in self.lines.get(timeout=600):
            pass

    def overview(self, http: httpx.Client) -> tuple[float, float]:
        """(server time, client round trip) in ms."""
        started = time.perf_counter()
        page = http.get("/athletes/runner")
        client = (time.perf_counter() - started) * 1000
        assert page.status_code == 200
        return float(page.headers["server-timing"].split("dur=")[1]), client

    def stop(self) -> float:
        """Stops the daemon; returns its idle RSS."""
        time.sleep(2)  # idle: what the daemon holds between passes and requests
        rss = rss_mb(self.process.pid)
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(30)
        return rss


def figures(label: str, values: list[float]) -> str:
    p95 = statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]
    return f"{label:<44} median {statistics.median(values):6.1f}  p95 {p95:6.1f}  max {max(values):6.1f}  (n={len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--passes", type=int, default=5, help="post-pass samples (a pass every ~5 s)")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (a loaded machine times high)")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build(root, args.runs)
        d = Daemon(root, 'listen = "127.0.0.1:0"')
        warm, cold, after_start = [], [], []
        with httpx.Client(base_url=d.base, timeout=60) as http:
            time.sleep(1)  # the first pass has logged; the web thread models the overview right after
            after_start.append(d.overview(http)[0])
            for _ in range(args.requests):
                warm.append(d.overview(http)[0])
            for n in range(args.requests // 2):
                new_run(root, n)
                cold.append(d.overview(http)[0])
                warm.append(d.overview(http)[0])
        rss_web = d.stop()
        d = Daemon(root, 'listen = "127.0.0.1:0"', interval=5)
        post_pass = []
        with httpx.Client(base_url=d.base, timeout=60) as http:
            d.overview(http)
            for n in range(args.passes):
                new_run(root, 100 + n)
                d.next_pass()
                time.sleep(1)  # the pass has logged; the web thread models the overview right after
                post_pass.append(d.overview(http)[0])
        d.stop()
        rss_plain = Daemon(root, "enabled = false").stop()
    print("overview server time, ms (Server-Timing: handler and template):")
    print(figures("  warm (history unchanged)", warm))
    print(figures("  cold (a run landed, no pass since)", cold))
    print(figures("  after a pass that brought a run", post_pass))
    print(figures("  first look after the daemon started", after_start))
    print(f"daemon idle RSS: {rss_web:.1f} MB with the web page, {rss_plain:.1f} MB without")


if __name__ == "__main__":
    main()
