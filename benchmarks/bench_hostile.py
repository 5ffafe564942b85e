"""Issue 17's acceptance figures: every hostile case of tests/support/hostile_files.py at full size
(a 5 GB gzip of blanks, a 3 GB CSV bomb, a 100,000-member export, 6 million gzipped points
…) plus three good runs, imported by the real `strainwatch import`.

Run:  python benchmarks/bench_hostile.py [--corpus tests/corpus] [--small]

Prints the wall time, the peak RSS of the largest process (`import` or one of its workers),
the outcome counts, and then the time of a second, unchanged import.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.hostile_files import CASES  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=REPO / "tests" / "corpus")
    parser.add_argument("--small", action="store_true", help="the test sizes, in seconds")
    args = parser.parse_args()
    exe = Path(sys.executable).with_name("strainwatch")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        watch = root / "watch"
        watch.mkdir()
        started = time.perf_counter()
        for index, case in enumerate(CASES):
            folder = watch / f"case{index:02d}"
            folder.mkdir()
            case.make(folder, not args.small)
        for path in sorted((args.corpus / "runner-2020").glob("*.gpx"))[:3]:
            shutil.copy(path, watch / path.name)
        print(f"generated {len(CASES)} cases in {time.perf_counter() - started:.0f} s")
        config = root / "config.toml"
        config.write_text(
            f'[storage]\nurl = "sqlite:///{root}/sw.db"\n[[athletes]]\nid = "sam"\nname = "Sam"\n'
            f'email = "sam@example.org"\n[athletes.files]\npaths = ["{watch}"]\n',
            encoding="utf-8",
        )
        env = {**os.environ, "STRAINWATCH_NOW": "2026-11-22T12:00:00+00:00"}
        for label in ("first import", "second import (nothing changed)"):
            started = time.perf_counter()
            done = subprocess.run(
                [str(exe), "--config", str(config), "import", str(watch)],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            elapsed = time.perf_counter() - started
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            print(f"{label}: {elapsed:.1f} s, exit {done.returncode}, peak RSS so far {peak:.0f} MB")
            print("  " + done.stdout.splitlines()[0])


if __name__ == "__main__":
    main()
