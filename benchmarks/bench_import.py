"""Import speed and memory, side by side with naive baselines and a bare-parser floor.

Run:  python benchmarks/bench_import.py [--corpus tests/corpus] [--quick] [--only NAME,...]

- FIT: a generated ten-year Strava export (3,000 one-hour runs at 1 record/s as .fit.gz in
  a zip with activities.csv; generated once into benchmarks/.cache) and the corpus's real FIT
  files, each beside a naive fitdecode loop over the same files. The fitdecode loop over the
  whole export would take about 20 minutes here, so it reads an evenly spaced sample of the
  export's files (`--baseline-files`) and its time is scaled to all of them (same generator,
  same size: the per-file time is what differs).
- GPX: Garmin-style files with heart rate and cadence extensions beside gpxpy and the stdlib
  `iterparse` floor; the runner-2020 corpus; a GPX export zip; one big GPX. The floor reads
  each point's position only (as it always has; the target is set against it); a second
  floor (`*-floor-fields`) also reads the time, elevation, heart rate and cadence the import
  reads. CPU seconds (the import's worker processes included) are reported beside the wall
  time: on a loaded machine the wall time of a two-process import says little.

Each scenario runs in a fresh subprocess so its peak RSS (its own, and its largest worker
process's) is its alone. Prints one line per figure.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import math
import os
import random
import resource
import struct
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CACHE = Path(__file__).resolve().parent / ".cache"


def _peak_rss_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def _cpu_s() -> float:
    """CPU seconds of this process and its finished children (the import's workers): on
    a loaded machine a fairer comparison with the one-process baselines than the wall."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _import(paths: list[Path], db: Path) -> dict[str, object]:
    from strainwatch.config.settings import AthleteSettings
    from strainwatch.sources.files.importing.importer import import_paths
    from strainwatch.store.db import open_database

    athlete = AthleteSettings(id="bench", name="Bench", email="bench@example.org")
    sessions = open_database(f"sqlite:///{db}")
    cpu = _cpu_s()
    started = time.perf_counter()
    report = import_paths(sessions, athlete, paths, now=datetime.now(UTC))
    first = time.perf_counter() - started
    cpu = _cpu_s() - cpu
    started = time.perf_counter()
    again = import_paths(sessions, athlete, paths, now=datetime.now(UTC))
    second = time.perf_counter() - started
    counts = report.counts()
    return {
        "first_s": first,
        "first_cpu_s": cpu,
        "unchanged_s": second,
        "files": len(report.outcomes),
        "imported": counts["imported"],
        "failed": counts["failed"],
        "unchanged": again.counts()["unchanged"],
    }


def _gpxpy_baseline(files: list[Path]) -> dict[str, object]:
    import gpxpy

    cpu = _cpu_s()
    started = time.perf_counter()
    total = 0.0
    for path in files:
        with path.open(encoding="utf-8") as handle:
            gpx = gpxpy.parse(handle)
        total += gpx.length_2d()
        gpx.get_uphill_downhill()
    return {"seconds": time.perf_counter() - started, "cpu_s": _cpu_s() - cpu, "distance_m": total}


def _floor(files: list[Path]) -> dict[str, object]:
    """The bare stdlib floor: iterparse's end events, each point's position, the distance."""
    cpu = _cpu_s()
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
    return {
        "seconds": time.perf_counter() - started,
        "cpu_s": _cpu_s() - cpu,
        "distance_m": total,
        "points": points,
    }


def _floor_fields(files: list[Path]) -> dict[str, object]:
    """The floor reading every field the import reads: as `_floor`, and each point's time
    (to epoch seconds), elevation, heart rate and cadence as numbers. Still no checks, no
    limits, no metrics and no storage."""
    cpu = _cpu_s()
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
                when = ele = hr = cad = None
                for child in element.iter():
                    name = child.tag.rpartition("}")[2]
                    if name == "time":
                        when = datetime.fromisoformat(child.text or "").timestamp()
                    elif name == "ele":
                        ele = float(child.text or "nan")
                    elif name == "hr":
                        hr = float(child.text or "nan")
                    elif name == "cad":
                        cad = float(child.text or "nan")
                if previous is not None:
                    dlat, dlon = lat - previous[0], lon - previous[1]
                    h = (
                        math.sin(dlat / 2) ** 2
                        + math.cos(lat) * math.cos(previous[0]) * math.sin(dlon / 2) ** 2
                    )
                    total += 2 * 6_371_008.8 * math.asin(math.sqrt(h))
                previous = (lat, lon, when, ele, hr, cad)
                points += 1
                element.clear()
    return {
        "seconds": time.perf_counter() - started,
        "cpu_s": _cpu_s() - cpu,
        "distance_m": total,
        "points": points,
    }


def _gpx_text(start: datetime, points: int, rng: random.Random, cadence: bool = False) -> str:
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
            + (f"<gpxtpx:cad>{84 + i % 5}</gpxtpx:cad>" if cadence else "")
            + "</gpxtpx:TrackPointExtension></extensions></trkpt>\n"
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


# ------------------------------------------------------------------------------------ FIT


def _fit_run(start: datetime, seconds: int, rng: random.Random) -> bytes:
    """One run as a Garmin watch writes it: file_id, device_info, a record a second with
    position, distance, altitude, speed, heart rate, cadence and running dynamics, a lap,
    a session. Records are packed directly (FitWriter.message is too slow for 11 million)."""
    sys.path.insert(0, str(REPO))
    from tests.support.fit_files import (
        LAP,
        RECORD,
        RECORD_FIELDS,
        SEMICIRCLES_PER_DEG,
        SESSION,
        SUMMARY_FIELDS,
        FitWriter,
        fit_time,
        write_device,
    )

    writer = FitWriter()
    t0 = fit_time(start)
    write_device(writer, start)
    writer.define(2, RECORD, RECORD_FIELDS)
    pack = struct.Struct("<BIiiIIIBBBbHH").pack
    lat, lon, ele, dist = 52.5 + rng.random() / 10, 13.4 + rng.random() / 10, 40.0, 0.0
    heading = rng.random() * math.tau
    body = writer.body
    for i in range(seconds):
        heading += rng.uniform(-0.05, 0.05)
        lat += math.cos(heading) * 2.8 / 111_195
        lon += math.sin(heading) * 2.8 / (111_195 * math.cos(math.radians(lat)))
        ele += rng.uniform(-0.3, 0.3)
        dist += 2.8
        body += pack(
            2,
            t0 + i,
            round(lat * SEMICIRCLES_PER_DEG),
            round(lon * SEMICIRCLES_PER_DEG),
            round(dist * 100),
            round((ele + 500) * 5),
            2800,
            140 + i % 20,
            84 + i % 5,
            64,
            21,
            820,
            2450,
        )
    t1 = t0 + seconds
    summary = [t1, t0, 1, 0, seconds * 1000, seconds * 1000, round(dist * 100)]
    writer.define(3, LAP, SUMMARY_FIELDS)
    writer.message(3, summary)
    writer.define(4, SESSION, SUMMARY_FIELDS)
    writer.message(4, summary)
    return writer.part()


def fit_export(runs: int) -> Path:
    """The cached ten-year export: `runs` one-hour runs, about one a day and a bit."""
    path = CACHE / f"strava-export-fit-{runs}.zip"
    if path.exists():
        return path
    CACHE.mkdir(exist_ok=True)
    rng = random.Random(16)
    start = datetime(2015, 1, 1, 6, 0, tzinfo=UTC)
    step = timedelta(days=3652 / runs)
    rows = ["Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Filename"]
    partial = path.with_suffix(".tmp")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
        for i in range(runs):
            when = start + i * step
            name = f"activities/{10_000 + i}.fit.gz"
            archive.writestr(name, gzip.compress(_fit_run(when, 3600, rng), compresslevel=6, mtime=0))
            rows.append(f'{10_000 + i},"{when:%b %d, %Y, %I:%M:%S %p}",Morning Run,Run,,{name}')
        archive.writestr("activities.csv", "\n".join(rows) + "\n")
    partial.rename(path)
    return path


def fit_folder(runs: int) -> Path:
    """The export's .fit.gz files as a folder (a Garmin-style folder; no zip to open)."""
    folder = CACHE / f"fit-folder-{runs}"
    if not folder.exists():
        partial = folder.with_suffix(".tmp")
        with zipfile.ZipFile(fit_export(runs)) as archive:
            for name in archive.namelist():
                if name.endswith(".fit.gz"):
                    archive.extract(name, partial)
        partial.rename(folder)
    return folder / "activities"


def _fit_sources(paths: list[Path], sample: int | None = None) -> list[bytes]:
    """The FIT files as bytes: plain files, .fit.gz, and the .fit.gz members of export zips;
    with `sample`, that many members spread evenly over each zip."""
    out = []
    for path in paths:
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                names = [n for n in archive.namelist() if ".fit" in n]
                if sample:
                    names = names[:: max(1, len(names) // sample)][:sample]
                out.extend(archive.read(n) for n in names)
        else:
            out.append(path.read_bytes())
    return [gzip.decompress(d) if d[:2] == b"\x1f\x8b" else d for d in out]


def _fitdecode_baseline(datas: list[bytes]) -> dict[str, object]:
    """The naive loop: every frame decoded, the values an importer needs read from records."""
    import warnings

    import fitdecode

    started = time.perf_counter()
    records = failed = 0
    for data in datas:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with fitdecode.FitReader(io.BytesIO(data)) as reader:
                    for frame in reader:
                        if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "record":
                            for name in (
                                "timestamp",
                                "position_lat",
                                "position_long",
                                "enhanced_altitude",
                                "distance",
                                "heart_rate",
                                "cadence",
                            ):
                                frame.get_value(name, fallback=None)
                            records += 1
        except Exception:
            failed += 1
    return {
        "seconds": time.perf_counter() - started,
        "files": len(datas),
        "records": records,
        "failed": failed,
    }


def corpus_fits(corpus: Path) -> list[Path]:
    files = sorted(corpus.glob("*/*.fit*"))
    if not files:
        raise SystemExit(f"no FIT files in {corpus}: pass --corpus or set STRAINWATCH_CORPUS")
    return files


# ---------------------------------------------------------------- Garmin-style GPX


def garmin_gpx(files: int, points: int) -> Path:
    folder = CACHE / f"garmin-gpx-{files}x{points}"
    if folder.exists():
        return folder
    CACHE.mkdir(exist_ok=True)
    partial = folder.with_suffix(".tmp")
    partial.mkdir(exist_ok=True)
    rng = random.Random(3)
    start = datetime(2021, 3, 1, 7, 0, tzinfo=UTC)
    for i in range(files):
        text = _gpx_text(start + timedelta(days=2 * i), points, rng, cadence=True)
        (partial / f"run-{i:04d}.gpx").write_text(text, encoding="utf-8")
    partial.rename(folder)
    return folder


def _sizes(quick: bool) -> dict[str, int]:
    return {
        "fit_runs": 300 if quick else 3000,
        "baseline_files": 40 if quick else 200,
        "gpx_files": 50 if quick else 150,
        "gpx_points": 3600,
    }


def scenario(
    name: str, corpus: Path, work: Path, quick: bool, baseline_files: int | None = None
) -> dict[str, object]:
    sizes = _sizes(quick)
    runner = sorted((corpus / "runner-2020").glob("*.gpx"))
    garmin = sorted(garmin_gpx(sizes["gpx_files"], sizes["gpx_points"]).glob("*.gpx"))
    if name == "fit-export-import":
        export = fit_export(sizes["fit_runs"])
        result = _import([export], work / "fit-export.db")
        result["records"] = sizes["fit_runs"] * 3600
    elif name == "fit-folder-import":
        result = _import([fit_folder(sizes["fit_runs"])], work / "fit-folder.db")
    elif name == "fit-export-fitdecode":
        sample = _fit_sources([fit_export(sizes["fit_runs"])], baseline_files or sizes["baseline_files"])
        result = _fitdecode_baseline(sample)
        result["scaled_s"] = result["seconds"] * sizes["fit_runs"] / len(sample)  # type: ignore[operator]
    elif name == "fit-corpus-import":
        result = _import(corpus_fits(corpus), work / "fit-corpus.db")
    elif name == "fit-corpus-fitdecode":
        result = _fitdecode_baseline(_fit_sources(corpus_fits(corpus)))
    elif name == "garmin-gpx-import":
        result = _import([garmin[0].parent], work / "garmin.db")
        result["points"] = len(garmin) * sizes["gpx_points"]
    elif name == "garmin-gpx-gpxpy":
        result = _gpxpy_baseline(garmin)
    elif name == "garmin-gpx-floor":
        result = _floor(garmin)
    elif name == "garmin-gpx-floor-fields":
        result = _floor_fields(garmin)
    elif name == "runner-import":
        result = _import([corpus / "runner-2020"], work / "runner.db")
        result["points"] = 48_794
    elif name == "runner-gpxpy":
        result = _gpxpy_baseline(runner)
    elif name == "runner-floor":
        result = _floor(runner)
    elif name == "runner-floor-fields":
        result = _floor_fields(runner)
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


SCENARIOS = (
    "fit-export-import",
    "fit-folder-import",
    "fit-export-fitdecode",
    "fit-corpus-import",
    "fit-corpus-fitdecode",
    "garmin-gpx-floor",
    "garmin-gpx-floor-fields",
    "garmin-gpx-gpxpy",
    "garmin-gpx-import",
    "runner-floor",
    "runner-floor-fields",
    "runner-gpxpy",
    "runner-import",
    "export-import",
    "big-gpx",
    "help",
)


def _rss(result: dict[str, float]) -> str:
    return f"peak RSS {result['peak_rss_mb']:.0f} MB (largest worker {result['peak_worker_rss_mb']:.0f} MB)"


def _report_cpu(results: dict[str, dict[str, float]], case: str) -> None:
    """The same comparison in CPU seconds (the import's workers included), and against the
    floor that reads every field, when it ran."""
    floor, naive, ours = results[f"{case}-floor"], results[f"{case}-gpxpy"], results[f"{case}-import"]
    line = (
        f"  CPU seconds, all processes: import {ours['first_cpu_s']:.2f}, gpxpy {naive['cpu_s']:.2f}, "
        f"floor {floor['cpu_s']:.2f} (import {ours['first_cpu_s'] / floor['cpu_s']:.2f}x the floor's CPU)"
    )
    fields = results.get(f"{case}-floor-fields")
    if fields:
        print(
            f"{line}\n  floor reading every field (time, elevation, HR, cadence): {fields['seconds']:.2f} s: "
            f"import {ours['first_s'] / fields['seconds']:.2f}x it, "
            f"{ours['first_cpu_s'] / fields['cpu_s']:.2f}x its CPU"
        )
    else:
        print(line)


def _report(results: dict[str, dict[str, float]], sizes: dict[str, int]) -> None:
    print()
    if {"fit-export-import", "fit-export-fitdecode"} <= results.keys():
        ours, naive = results["fit-export-import"], results["fit-export-fitdecode"]
        runs = sizes["fit_runs"]
        print(
            f"FIT export, {runs:,} one-hour runs ({ours['records']:,.0f} records, .fit.gz in a Strava zip): "
            f"import {ours['first_s']:.1f} s ({runs / ours['first_s']:.1f} files/s, "
            f"{ours['records'] / ours['first_s']:,.0f} records/s), {_rss(ours)}"
        )
        print(
            f"  naive fitdecode loop: {naive['seconds']:.1f} s for {naive['files']:.0f} of the files, "
            f"{naive['scaled_s']:.0f} s scaled to all {runs:,}: "
            f"import is {naive['scaled_s'] / ours['first_s']:.1f}x faster (target >= 5x)"
        )
        print(
            f"  unchanged re-import {ours['unchanged_s'] * 1000:.0f} ms ({ours['unchanged']:.0f} skipped unread), "
            f"imported {ours['imported']:.0f}, failed {ours['failed']:.0f}"
        )
        if "fit-folder-import" in results:
            folder = results["fit-folder-import"]
            print(
                f"  the same {runs:,} .fit.gz as a folder: import {folder['first_s']:.1f} s, "
                f"{naive['scaled_s'] / folder['first_s']:.1f}x faster than fitdecode; {_rss(folder)}"
            )
    if {"fit-corpus-import", "fit-corpus-fitdecode"} <= results.keys():
        ours, naive = results["fit-corpus-import"], results["fit-corpus-fitdecode"]
        print(
            f"FIT corpus, {naive['files']:.0f} real files ({naive['records']:,.0f} records): import "
            f"{ours['first_s']:.2f} s, naive fitdecode {naive['seconds']:.2f} s: "
            f"{naive['seconds'] / ours['first_s']:.1f}x faster; {_rss(ours)}"
        )
    if {"garmin-gpx-floor", "garmin-gpx-gpxpy", "garmin-gpx-import"} <= results.keys():
        floor = results["garmin-gpx-floor"]["seconds"]
        naive = results["garmin-gpx-gpxpy"]["seconds"]
        ours = results["garmin-gpx-import"]
        print(
            f"Garmin-style GPX, {sizes['gpx_files']} files with HR and cadence ({ours['points']:,.0f} points): "
            f"import {ours['first_s']:.2f} s, gpxpy {naive:.2f} s, iterparse floor {floor:.2f} s"
        )
        print(
            f"  import is {naive / ours['first_s']:.1f}x faster than gpxpy (target >= 3x), "
            f"{ours['first_s'] / floor:.2f}x the floor (target <= 1.5x); {_rss(ours)}; "
            f"unchanged re-import {ours['unchanged_s'] * 1000:.0f} ms"
        )
        _report_cpu(results, "garmin-gpx")
    if {"runner-floor", "runner-gpxpy", "runner-import"} <= results.keys():
        floor = results["runner-floor"]["seconds"]
        naive = results["runner-gpxpy"]["seconds"]
        ours = results["runner-import"]
        print(
            f"runner-2020, 68 files, 48,794 points: import {ours['first_s']:.2f} s, "
            f"gpxpy {naive:.2f} s ({naive / ours['first_s']:.1f}x), floor {floor:.2f} s "
            f"({ours['first_s'] / floor:.2f}x); unchanged re-import {ours['unchanged_s'] * 1000:.1f} ms"
        )
        _report_cpu(results, "runner")
    if "export-import" in results:
        export = results["export-import"]
        print(
            f"GPX export of {export['points'] / 3600:.0f} runs ({export['points']:,.0f} points): "
            f"import {export['first_s']:.1f} s ({export['files'] / export['first_s']:.1f} files/s), "
            f"unchanged {export['unchanged_s']:.3f} s, {_rss(export)}"
        )
    if "big-gpx" in results:
        big = results["big-gpx"]
        print(
            f"single GPX of {big['bytes'] / 1e6:.0f} MB ({big['points']:,.0f} points): import {big['first_s']:.1f} s, "
            f"{_rss(big)} (target < 300 MB)"
        )
    if "help" in results:
        print(
            f"strainwatch --help: {results['help']['median_s'] * 1000:.0f} ms median of 5 (target < 300 ms)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--corpus", type=Path, default=Path(os.environ.get("STRAINWATCH_CORPUS", REPO / "tests" / "corpus"))
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="300 FIT runs (fitdecode on 40), 50 GPX files, a 100-run GPX export and a 20 MB GPX",
    )
    parser.add_argument("--only", help="comma-separated scenarios: " + ", ".join(SCENARIOS))
    parser.add_argument("--baseline-files", type=int, help="export files the fitdecode loop reads")
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scenario:
        print(json.dumps(scenario(args.scenario, args.corpus, args.work, args.quick, args.baseline_files)))
        return
    sizes = _sizes(args.quick)
    started = time.perf_counter()
    fit_folder(sizes["fit_runs"])
    garmin_gpx(sizes["gpx_files"], sizes["gpx_points"])
    print(f"inputs ready in {time.perf_counter() - started:.1f} s (cached in {CACHE})", flush=True)
    names = args.only.split(",") if args.only else SCENARIOS
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as work:
        for name in names:
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
            if args.baseline_files:
                command += ["--baseline-files", str(args.baseline_files)]
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            results[name] = json.loads(output.strip().splitlines()[-1])
            print(f"{name}: {results[name]}", flush=True)
    _report(results, sizes)


if __name__ == "__main__":
    main()
