"""Synthetic runner histories for the rule tests: a steady base and planted patterns."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from strainwatch.domain import Run
from tests.support import clock

EASY = 360.0  # 6:00/km grade-adjusted
WEEK = {0: 8.0, 1: 0.0, 2: 6.0, 3: 8.0, 4: 0.0, 5: 6.0, 6: 12.0}  # Mon..Sun, 40 km


def make_run(
    activity_id: int,
    day: date,
    km: float,
    *,
    pace: float = EASY,
    fast_minutes: float = 0.0,
    descent: float = 40.0,
    text: str = "",
    gear: str | None = None,
    hour: int = 7,
) -> Run:
    seconds = km * pace
    profile = {int(pace // 5 * 5): seconds - fast_minutes * 60}
    if fast_minutes:
        profile[int(pace * 0.8 // 5 * 5)] = fast_minutes * 60
    return Run(
        activity_id=activity_id,
        start=datetime(day.year, day.month, day.day, hour, tzinfo=UTC),
        local_date=day,
        sport_type="Run",
        distance_m=km * 1000,
        moving_time_s=seconds,
        gap_s_per_km=pace,
        ascent_m=descent,
        descent_m=descent,
        gap_profile=tuple(sorted(profile.items())),
        text=text,
        gear=gear,
    )


def steady(first: date, weeks: int, *, seed: int = 1, start_id: int = 1) -> list[Run]:
    """A runner near 40 km a week, five runs a week, varied by up to 8 %."""
    rnd = random.Random(seed)
    runs = []
    for offset in range(weeks * 7):
        day = first + timedelta(days=offset)
        km = WEEK[day.weekday()]
        if km:
            runs.append(
                make_run(
                    start_id + len(runs),
                    day,
                    km * rnd.uniform(0.92, 1.08),
                    pace=EASY * rnd.uniform(0.97, 1.04),
                    descent=rnd.uniform(20, 70),
                )
            )
    return runs


def shifted(run: Run, **changes: object) -> Run:
    return replace(run, **changes)  # type: ignore[arg-type]


def write_gpx(
    path: object,
    start: datetime,
    km: float,
    *,
    speed: float = 2.8,
    note: str = "",
    heart_rate: float | None = None,
) -> None:
    """A straight-line run at `speed` m/s, one point every 10 s, as a GPX file (with a
    steady `heart_rate` if given)."""
    from pathlib import Path
    from xml.sax.saxutils import escape as xml_escape

    steps = int(km * 1000 / (speed * 10)) + 1
    points = []
    for i in range(steps):
        lat = 52.5 + i * speed * 10 / 111_195
        when = (start + timedelta(seconds=10 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        heart = (
            f"<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{heart_rate:.0f}</gpxtpx:hr>"
            "</gpxtpx:TrackPointExtension></extensions>"
            if heart_rate
            else ""
        )
        points.append(f'<trkpt lat="{lat:.7f}" lon="13.4"><ele>40</ele><time>{when}</time>{heart}</trkpt>')
    Path(str(path)).write_text(
        '<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        f"<trk><name>Run {xml_escape(note)}</name><type>running</type><trkseg>{''.join(points)}</trkseg></trk></gpx>",
        encoding="utf-8",
    )


def write_steady_weeks(folder: Path, today: datetime, *, km: float = 6.0, days_back: int = 0) -> int:
    """Six weeks of three runs of `km` (days 1, 3 and 5 of each week, `days_back` earlier),
    the baseline a planted spike is measured against. Returns the number of files."""
    for week in range(6, 0, -1):
        for day in (1, 3, 5):
            write_gpx(folder / f"w{week}d{day}.gpx", today - timedelta(weeks=week, days=day + days_back), km)
    return 18


def write_steady_then_spike(folder: object, spike_km: float) -> None:
    """Six weeks of three 6 km runs, then yesterday a run of `spike_km`, as GPX files dated
    relative to today (so the pass sees them as fresh news)."""
    from pathlib import Path

    root = Path(str(folder))
    root.mkdir(parents=True, exist_ok=True)
    today = clock.now().replace(hour=6, minute=0, second=0, microsecond=0)
    write_steady_weeks(root, today)
    write_gpx(root / "long.gpx", today - timedelta(days=1), spike_km)
