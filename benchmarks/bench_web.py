"""Issue 13's figures: the server time of the overview page for ten years of running (about
3,000 runs), and the idle RSS of the daemon serving the page (beside the same daemon with
`[web] enabled = false`).

Run:  python benchmarks/bench_web.py [--runs 3000] [--requests 30]

Builds the history in a fresh SQLite database, evaluates it with one real pass, then starts
`strainwatch run` and asks for the overview over HTTP; the server time is the page's
`Server-Timing` header (the handler and the template, without the network).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
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
    from strainwatch.config.settings import load_settings
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
            session.add(Activity(
                athlete_id="runner", source="file", external_id=f"r{i}", sport_type="Run", name=f"Run {i}",
                start_time=start, distance_m=metres, moving_time_s=metres / 1000 * pace,
                elapsed_time_s=metres / 1000 * pace + 60, pace_s_per_km=pace, gap_s_per_km=pace - 5,
                ascent_m=rng.uniform(0, 200), descent_m=rng.uniform(0, 200), avg_hr=rng.uniform(130, 160),
                gap_profile={str(int(pace) // 5 * 5): metres / 1000 * pace}, raw={}, created_at=start,
                updated_at=start,
            ))  # fmt: skip
    started = time.perf_counter()
    report = run_pass(settings, sessions, now=NOW)
    print(f"history: {runs} runs over 10 years; first pass {time.perf_counter() - started:.1f} s: {report.summary()}")


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


def daemon(root: Path, web: str, requests: int) -> tuple[float, list[float], list[float]]:
    exe = Path(sys.executable).with_name("strainwatch")
    env = {**os.environ, "STRAINWATCH_CONFIG": str(config(root, web)), "STRAINWATCH_NOW": NOW.isoformat()}
    process = subprocess.Popen([str(exe), "run"], stderr=subprocess.PIPE, text=True, env=env)
    assert process.stderr is not None
    base, server, client = None, [], []
    try:
        for line in process.stderr:
            if found := re.search(r"web page on (http://[\d.:]+)/", line):
                base = found.group(1)
            if "sync:" in line:  # the first pass is over: from here the daemon idles
                break
        if base is not None:
            with httpx.Client(base_url=base, timeout=60) as http:
                for _ in range(requests + 2):
                    started = time.perf_counter()
                    page = http.get("/athletes/runner")
                    client.append((time.perf_counter() - started) * 1000)
                    assert page.status_code == 200
                    server.append(float(page.headers["server-timing"].split("dur=")[1]))
            print(f"first overview (cold: loads and models the history): {server[0]:.1f} ms server time")
            server, client = server[2:], client[2:]
        time.sleep(2)  # idle: what the daemon holds between passes and requests
        return rss_mb(process.pid), server, client
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build(root, args.runs)
        rss_web, server, client = daemon(root, 'listen = "127.0.0.1:0"', args.requests)
        rss_plain, _, _ = daemon(root, "enabled = false", 0)
    q = statistics.quantiles(server, n=20)
    print(f"overview server time: median {statistics.median(server):.1f} ms, p95 {q[-1]:.1f} ms, "
          f"max {max(server):.1f} ms (client round trip median {statistics.median(client):.1f} ms)")
    print(f"daemon idle RSS: {rss_web:.1f} MB with the web page, {rss_plain:.1f} MB without")


if __name__ == "__main__":
    main()
