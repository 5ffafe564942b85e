"""A fleet of `strainwatch worker` processes over many file-fed athletes, for the crash test
(tests/e2e/test_workers.py) and the capacity benchmark (benchmarks/bench_workers.py).

Workers are real processes started through the installed `strainwatch` script; a worker is
waited for by its "ready" log line, and the fleet's progress is read from the database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from tests.support.cli import EXE
from tests.support.config import write_config
from tests.support.histories import write_gpx, write_steady_weeks


def write_fleet(root: Path, athletes: int, now: datetime, *, spike_every: int = 20, runs: int = 2) -> int:
    """`athletes` folders of `runs` small GPX runs each; every `spike_every`-th athlete gets six
    steady weeks and then a run far beyond them (alerts, hence mail). Returns the file count."""
    files = 0
    today = now.replace(hour=6, minute=0, second=0, microsecond=0)
    for i in range(athletes):
        folder = root / f"a{i:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        if spike_every and i % spike_every == 0:
            files += write_steady_weeks(folder, today, km=3.0)
            write_gpx(folder / "long.gpx", today - timedelta(days=1), 14.0)
            files += 1
        else:
            for k in range(runs):
                write_gpx(folder / f"r{k}.gpx", today - timedelta(days=2 * k + 1), 1.0 + 0.2 * k)
                files += 1
    return files


def fleet_config(root: Path, database_url: str, athletes: int, extra: str = "") -> Path:
    """athletes a0000, a0001, … each reading its folder of `write_fleet`, mail at once."""
    return write_config(
        root / "config.toml",
        database_url,
        lambda athlete: [root / athlete],
        athletes=[f"a{i:04d}" for i in range(athletes)],
        name=lambda athlete: f"Runner {int(athlete[1:])}",
        immediate=True,
        tables=(
            "[daemon]\ninterval = 86400\n"  # one pass per athlete: the clock never makes one due again
            "[workers]\ntick = 1\nheartbeat = 1\nstalled_after = 3\n" + extra
        ),
    )


@dataclass
class WorkerProcess:
    process: subprocess.Popen[str]
    ready: threading.Event = field(default_factory=threading.Event)
    lines: list[str] = field(default_factory=list)


@dataclass
class Fleet:
    """Worker processes of one config; each one's log is kept and scanned for "ready"."""

    config: Path
    env: dict[str, str]
    workers: list[WorkerProcess] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)  # the lines of every worker, dead ones included

    def command(self, *args: str, timeout: float = 120) -> str:
        done = subprocess.run(
            [str(EXE), "--config", str(self.config), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )
        return done.stdout

    def start(self, timeout: float = 60, *, wait: bool = True) -> WorkerProcess:
        process = subprocess.Popen(
            [str(EXE), "--config", str(self.config), "worker"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        worker = WorkerProcess(process)
        threading.Thread(target=self._read, args=(worker, process.stderr), daemon=True).start()
        if wait and not worker.ready.wait(timeout):
            process.kill()
            raise AssertionError("worker not ready:\n" + "\n".join(worker.lines[-20:]))
        self.workers.append(worker)
        return worker

    def _read(self, worker: WorkerProcess, stream: IO[str] | None) -> None:
        assert stream is not None
        for line in stream:
            worker.lines.append(line.rstrip())
            self.logs.append(line.rstrip())
            if "strainwatch worker" in line and " ready: " in line:
                worker.ready.set()

    def kill(self, worker: WorkerProcess) -> None:
        worker.process.send_signal(signal.SIGKILL)
        worker.process.wait(10)
        self.workers.remove(worker)

    def stop_all(self) -> list[int]:
        codes = []
        for worker in list(self.workers):
            worker.process.send_signal(signal.SIGTERM)
        for worker in list(self.workers):
            try:
                codes.append(worker.process.wait(20))
            except subprocess.TimeoutExpired:
                worker.process.kill()
                codes.append(-9)
        self.workers.clear()
        return codes


def wait_for(condition: Callable[[], bool], timeout: float, what: str, pause: Callable[[], None]) -> None:
    """Check `condition` after each `pause()` (a blocking query or a poll interval) until it holds."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        pause()


def worker_env(now: datetime) -> dict[str, str]:
    return {**os.environ, "STRAINWATCH_NOW": now.isoformat(), "PYTHONUNBUFFERED": "1"}
