"""Import speed and memory, with a naive gpxpy baseline and a bare-parser floor beside it.

Run:  python benchmarks/bench_import.py [--corpus ../shared/corpus] [--quick]

Each scenario runs in a fresh subprocess so its peak RSS (its own, and its worker
processes') is its alone. Prints one line per figure.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _peak_rss_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def _import(paths: list[Path], db: Path) -> dict[str, object]:
    from strainwatch.config import AthleteSettings
    from strainwatch.importing.importer import import_paths
    from strainwatch.store.db import open_database

    athlete = AthleteSettings(id="bench", name="Bench", email="bench@example.org")
    sessions = open_database(f"sqlite:///{db}")
    started = time.perf_counter()
    report = import_paths(sessions, athlete, paths, now=datetime.now(UTC))
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = import_paths(sessions, athlete, paths, now=datetime.now(UTC))
    second = time.perf_counter() - started
    counts = report.counts()
    return {
        "first_s": first,
        "unchanged_s": second,
        "files": len(report.outcomes),
        "imported": counts["imported"],
        "failed": counts["failed"],
        "unchanged": again.counts()["unchanged"],
    }


def _gpxpy_baseline(files: list[Path]) -> dict[str, object]:
    import gpxpy

    started = time.perf_counter()
    total = 0.0
    for path in files:
        with path.open(encoding="utf-8") as handle:
            gpx = gpxpy.parse(handle)
        total += gpx.length_2d()
        gpx.get_uphill_downhill()
    return {"seconds": time.perf_counter() - started, "distance_m": total}


def _floor(files: list[Path]) -> dict[str, object]:
    started = time.perf_counter()
    total = 0.0
    points = 0
    for path in files:
        previous = None
        for _event, element in ET.iterparse(path):  # noqa: S314 - trusted benchmark input
            if element.tag.endswith("trkpt"):
                lat, lon = (
                    math.radians(float(element.get("lat", 0))),
                    math.radians(float(element.get("lon", 0))),
                )
                if previous is not None:
                    dlat, dlon = lat - previous[0], lon - previous[1]
                    h = (
                        math.sin(dlat / 2) ** 2
                        + math.cos(lat) * math.cos(previous[0]) * math.sin(dlon / 2) ** 2
                    )
                    total += 2 * 6_371_008.8 * math.asin(math.sqrt(h))
                previous = (lat, lon)
                points += 1
                element.clear()
    return {"seconds": time.perf_counter() - started, "distance_m": total, "points": points}


def _gpx_text(start: datetime, points: int, rng: random.Random) -> str:
    lat, lon, ele = 52.5 + rng.random() / 10, 13.4 + rng.random() / 10, 40.0
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="bench" '
        'xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        "<trk><name>Generated run</name><type>running</type><trkseg>"
    ]
    heading = rng.random() * math.tau
    for i in range(points):
        heading += rng.uniform(-0.05, 0.05)
        lat += math.cos(heading) * 2.8 / 111_195
        lon += math.sin(heading) * 2.8 / (111_195 * math.cos(math.radians(lat)))
        ele += rng.uniform(-0.3, 0.3)
        when = (start + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        lines.append(
            f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>{ele:.1f}</ele><time>{when}</time>'
            f"<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{140 + i % 20}</gpxtpx:hr>"
            "</gpxtpx:TrackPointExtension></extensions></trkpt>\n"
        )
    lines.append("</trkseg></trk></gpx>\n")
    return "".join(lines)


def _make_export(path: Path, runs: int, points: int) -> None:
    rng = random.Random(42)
    start = datetime(2016, 1, 1, 6, 0, tzinfo=UTC)
    rows = ["Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Filename"]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for i in range(runs):
            when = start + timedelta(days=i * 3)
            archive.writestr(f"activities/{1000 + i}.gpx", _gpx_text(when, points, rng))
            rows.append(f'{1000 + i},"{when:%b %d, %Y}",Run {i},Run,,activities/{1000 + i}.gpx')
        archive.writestr("activities.csv", "\n".join(rows) + "\n")


def _make_big_gpx(path: Path, megabytes: int) -> int:
    rng = random.Random(7)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    chunk = 10_000
    written = points = 0
    with path.open("w", encoding="utf-8") as out:
        text = _gpx_text(start, chunk, rng)
        head, _, _ = text.partition("<trkpt")
        out.write(head)
        while written < megabytes * 1_000_000:
            body = _gpx_text(start + timedelta(seconds=points), chunk, rng)
            body = body[body.index("<trkpt") : body.rindex("</trkseg>")]
            out.write(body)
            written += len(body)
            points += chunk
        out.write("</trkseg></trk></gpx>\n")
    return points


def scenario(name: str, corpus: Path, work: Path, quick: bool) -> dict[str, object]:
    runner = sorted((corpus / "runner-2020").glob("*.gpx"))
    if name == "runner-import":
        result = _import([corpus / "runner-2020"], work / "runner.db")
        result["points"] = 48_794
    elif name == "runner-gpxpy":
        result = _gpxpy_baseline(runner)
    elif name == "runner-floor":
        result = _floor(runner)
    elif name == "export-import":
        runs = 100 if quick else 1000
        export = work / "export.zip"
        started = time.perf_counter()
        _make_export(export, runs, 3600)
        result = {"generate_s": time.perf_counter() - started}
        result.update(_import([export], work / "export.db"))
        result["points"] = runs * 3600
    elif name == "big-gpx":
        big = work / "big.gpx"
        result = {"points": _make_big_gpx(big, 20 if quick else 200), "bytes": big.stat().st_size}
        result.update(_import([big], work / "big.db"))
    elif name == "help":
        exe = Path(sys.executable).with_name("strainwatch")
        times = []
        for _ in range(5):
            started = time.perf_counter()
            subprocess.run([str(exe), "--help"], check=True, capture_output=True)
            times.append(time.perf_counter() - started)
        result = {"median_s": sorted(times)[2]}
    else:
        raise SystemExit(f"unknown scenario {name}")
    own, children = _peak_rss_mb()
    result["peak_rss_mb"] = round(own, 1)
    result["peak_worker_rss_mb"] = round(children, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument(
        "--quick", action="store_true", help="100 runs and a 20 MB GPX instead of 1,000 and 200 MB"
    )
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scenario:
        print(json.dumps(scenario(args.scenario, args.corpus, args.work, args.quick)))
        return
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as work:
        for name in (
            "runner-floor",
            "runner-gpxpy",
            "runner-import",
            "export-import",
            "big-gpx",
            "help",
        ):
            command = [
                sys.executable,
                __file__,
                "--scenario",
                name,
                "--work",
                work,
                "--corpus",
                str(args.corpus),
            ]
            if args.quick:
                command.append("--quick")
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            results[name] = json.loads(output.strip().splitlines()[-1])
            print(f"{name}: {results[name]}", flush=True)
    floor = results["runner-floor"]["seconds"]
    naive = results["runner-gpxpy"]["seconds"]
    ours = results["runner-import"]
    print()
    print(
        f"runner-2020, 68 files, 48,794 points: import {ours['first_s']:.2f} s "
        f"({68 / ours['first_s']:.0f} files/s, {48_794 / ours['first_s']:,.0f} points/s), "
        f"gpxpy baseline {naive:.2f} s, bare-parser floor {floor:.2f} s"
    )
    print(
        f"  import is {naive / ours['first_s']:.1f}x faster than gpxpy (target >= 3x), "
        f"{ours['first_s'] / floor:.2f}x the floor (target <= 2x)"
    )
    print(
        f"  unchanged re-import {ours['unchanged_s'] * 1000:.1f} ms: "
        f"{ours['first_s'] / ours['unchanged_s']:.0f}x faster than the first (target >= 50x)"
    )
    print(
        f"  total distance: gpxpy {results['runner-gpxpy']['distance_m']:.0f} m, floor {results['runner-floor']['distance_m']:.0f} m (per-file agreement within 1 % is a test)"
    )
    export = results["export-import"]
    print(
        f"export of {export['points'] / 3600:.0f} runs ({export['points']:,} points): import {export['first_s']:.1f} s "
        f"({export['files'] / export['first_s']:.1f} files/s, {export['points'] / export['first_s']:,.0f} points/s), "
        f"unchanged {export['unchanged_s']:.3f} s, peak RSS {export['peak_rss_mb']} MB (workers {export['peak_worker_rss_mb']} MB)"
    )
    big = results["big-gpx"]
    print(
        f"single GPX of {big['bytes'] / 1e6:.0f} MB ({big['points']:,} points): import {big['first_s']:.1f} s, "
        f"peak RSS {big['peak_rss_mb']} MB (target < 300 MB)"
    )
    print(f"strainwatch --help: {results['help']['median_s'] * 1000:.0f} ms median of 5 (target < 300 ms)")


if __name__ == "__main__":
    main()
