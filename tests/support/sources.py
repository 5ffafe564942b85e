"""One harness over every source (files, Strava, intervals.icu) for the sources' contract
tests: the same cases, whichever source brings the run. Strava and intervals.icu are the
local fakes (real HTTP on 127.0.0.1); files are real GPX files in a watched folder."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.support import fake_intervals, fake_strava
from tests.support.config import settings_of
from tests.support.histories import write_gpx

SOURCES = ("files", "strava", "intervals")


@dataclass
class SourceHarness:
    kind: str
    tmp: Path
    folder: Path
    settings: Any
    sessions: Any
    strava: fake_strava.FakeStrava | None = None
    intervals: fake_intervals.FakeIntervals | None = None
    written: dict[str, tuple[datetime, float]] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)  # run name: its file, where not name.gpx

    def key(self, name: str) -> str:
        """The external id the store keeps for run `name` of this source."""
        if self.kind == "files":
            return str(self.files.get(name, self.folder / f"{name}.gpx").resolve())
        return str(_strava_id(name)) if self.kind == "strava" else f"i{name}"

    def add_run(self, name: str, start: datetime, km: float, *, manual: bool = False) -> None:
        """Run `name` as this source brings it (a manual entry: typed in, no streams)."""
        if self.kind == "files":
            write_gpx(self.folder / f"{name}.gpx", start, km)
        elif self.strava is not None:
            self.strava.add_run(_strava_id(name), start, km, manual=manual)
        elif self.intervals is not None:
            self.intervals.add_run(
                f"i{name}", start, km, streams=not manual, source="MANUAL" if manual else "GARMIN_CONNECT"
            )
        self.written[name] = (start, km)

    def add_watch_file(
        self, name: str, start: datetime, km: float, *, heart_rate: float | None = None
    ) -> None:
        """The same run recorded by another device, as a file in the folder."""
        write_gpx(self.folder / f"watch-{name}.gpx", start, km, heart_rate=heart_rate)

    def add_recorded(self, name: str, run: Recorded) -> None:
        """A real recording as this source brings it: the file, or the service's summary of
        the whole recording (what it summed, car ride and all) and its streams."""
        if self.kind == "files":
            self.files[name] = run.write(self.folder / name)
            return
        km, hr = run.distance_m / 1000, run.avg_hr
        summary = {
            "distance": run.distance_m,
            "moving_time": round(run.moving_time_s),
            "elapsed_time": round(run.elapsed_time_s),
            "average_heartrate": hr,
        }
        if self.strava is not None:
            self.strava.add_run(_strava_id(name), run.start, km)
            self.strava.activities[_strava_id(name)] |= summary
            self.strava.streams[_strava_id(name)] = run.strava_streams()
        elif self.intervals is not None:
            self.intervals.add_run(f"i{name}", run.start, km)
            self.intervals.activities[f"i{name}"] |= summary | {"icu_distance": run.distance_m}
            self.intervals.streams[f"i{name}"] = run.intervals_streams()
        self.written[name] = (run.start, km)

    def stored(self, name: str) -> Any:
        """Run `name`'s row as stored (detached)."""
        from strainwatch.store.models import Activity

        with self.sessions() as session:
            activity = session.get_one(Activity, self.activity_id(name))
            session.expunge(activity)
            return activity

    def edit(self, name: str) -> None:
        """The source brings run `name` again, edited (a new name, a distance 1 % longer)."""
        start, km = self.written[name]
        if self.kind == "files":
            write_gpx(self.folder / f"{name}.gpx", start, km * 1.01, note="Renamed")
            os.utime(self.folder / f"{name}.gpx", ns=(1, 1))
        elif self.strava is not None:
            self.strava.activities[_strava_id(name)] |= {"name": "Renamed", "distance": km * 1010.0}
        elif self.intervals is not None:
            self.intervals.activities[f"i{name}"] |= {"name": "Renamed", "distance": km * 1010.0}

    def lose_streams(self, name: str, status: int) -> None:
        """The source answers `status` for run `name`'s streams (not for the run itself)."""
        if self.strava is not None:
            self.strava.no_streams[_strava_id(name)] = status
        elif self.intervals is not None:
            path = f"/api/v1/activity/i{name}/streams"
            self.intervals.faults.append(fake_intervals.Fault(path, status, {"status": status}, times=99))

    def delete(self, name: str) -> None:
        if self.strava is not None:
            del self.strava.activities[_strava_id(name)]
        elif self.intervals is not None:
            del self.intervals.activities[f"i{name}"]

    def sync(self, now: datetime) -> Any:
        from strainwatch.pipeline.run_pass import run_pass

        return run_pass(self.settings, self.sessions, now=now)

    def counted(self) -> dict[str, float]:
        """External id -> distance of the runs that count as running load."""
        from strainwatch.store.models import Activity
        from strainwatch.store.runs import load_runs

        with self.sessions() as session:
            keys = {a.id: a.external_id for a in session.query(Activity)}
            runs = load_runs(session, self.settings.athletes[0])
        return {keys[r.activity_id]: r.distance_m for r in runs if r.is_running}

    def activity_id(self, name: str) -> int:
        from sqlalchemy import select

        from strainwatch.store.models import Activity

        with self.sessions() as session:
            return int(
                session.scalars(select(Activity.id).where(Activity.external_id == self.key(name))).one()
            )


def _strava_id(name: str) -> int:
    return 1000 + sum(ord(c) * 31**i for i, c in enumerate(name)) % 100_000


@contextmanager
def source_harness(kind: str, tmp: Path, database_url: str) -> Iterator[SourceHarness]:
    """A config with a files folder and, for Strava and intervals.icu, that source on its fake."""
    from strainwatch.store.db import open_database

    folder = tmp / "runs"
    folder.mkdir()
    with ExitStack() as stack:
        strava = (
            stack.enter_context(fake_strava.running(fake_strava.FakeStrava())) if kind == "strava" else None
        )
        intervals = (
            stack.enter_context(fake_intervals.running(fake_intervals.FakeIntervals()))
            if kind == "intervals"
            else None
        )
        tables = fake_strava.strava_table(strava, tmp) if strava is not None else ""
        athlete = "[athletes.strava]\nbackfill_days = 60\n" if strava is not None else ""
        if intervals is not None:
            athlete = fake_intervals.intervals_table(intervals, tmp)
        settings = settings_of(
            tmp / "config.toml",
            database_url,
            [folder],
            tables=tables,
            athlete=athlete,
            immediate=True,
            notify=f'mbox = "{tmp / "mail.mbox"}"\n',
        )
        if strava is not None:
            fake_strava.link_athlete(settings)
        yield SourceHarness(kind, tmp, folder, settings, open_database(database_url), strava, intervals)


def days_ago(now: datetime, days: float) -> datetime:
    return (now - timedelta(days=days)).replace(microsecond=0)


@dataclass(frozen=True)
class Recorded:
    """A real recording from the corpus, moved to `start`, as every source hands it out: a
    file in the folder (`write`), a summary and streams from an API (`strava_item`, …)."""

    source: Path  # the corpus file
    start: datetime
    offsets: list[float]  # seconds from the start
    lat: list[float | None]
    lon: list[float | None]
    altitude: list[float | None]
    heartrate: list[float | None]
    distance: list[float]  # cumulative metres: the device's own, else from the positions
    distance_m: float  # the summary's: the whole recording, uncleaned (or the device's session)
    moving_time_s: float
    elapsed_time_s: float
    timer: bool  # the device's own timer and distance (a FIT session): written into a TCX lap

    def write(self, path: Path) -> Path:
        """As a file: the corpus GPX itself with its times moved, or a TCX of the samples
        with the device's lap figures (a FIT's, thinned)."""
        if self.source.suffix == ".gpx" and not self.timer:
            shift = self.start - _first_time(self.source)
            text = re.sub(
                r"<time>([^<]+)</time>",
                lambda m: f"<time>{_iso(datetime.fromisoformat(m[1].replace('Z', '+00:00')) + shift)}</time>",
                self.source.read_text(encoding="utf-8"),
            )
            path = path.with_suffix(".gpx")
            path.write_text(text, encoding="utf-8")
            return path
        path = path.with_suffix(".tcx")
        points = []
        for i, offset in enumerate(self.offsets):
            when = _iso(self.start + timedelta(seconds=offset))
            position = (
                f"<Position><LatitudeDegrees>{self.lat[i]}</LatitudeDegrees>"
                f"<LongitudeDegrees>{self.lon[i]}</LongitudeDegrees></Position>"
                if self.lat[i] is not None
                else ""
            )
            heart = (
                f"<HeartRateBpm><Value>{int(h)}</Value></HeartRateBpm>" if (h := self.heartrate[i]) else ""
            )
            points.append(
                f"<Trackpoint><Time>{when}</Time>{position}<DistanceMeters>{self.distance[i]:.1f}</DistanceMeters>"
                f"{heart}</Trackpoint>"
            )
        path.write_text(
            '<?xml version="1.0" encoding="UTF-8"?><TrainingCenterDatabase '
            'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"><Activities>'
            f'<Activity Sport="Running"><Id>{_iso(self.start)}</Id><Lap StartTime="{_iso(self.start)}">'
            f"<TotalTimeSeconds>{self.moving_time_s}</TotalTimeSeconds><DistanceMeters>{self.distance_m}"
            f"</DistanceMeters><Track>{''.join(points)}</Track></Lap></Activity></Activities>"
            "</TrainingCenterDatabase>",
            encoding="utf-8",
        )
        return path

    def strava_streams(self) -> dict[str, Any]:
        def stream(data: list[Any]) -> dict[str, Any]:
            return {"data": data, "series_type": "distance", "original_size": len(data), "resolution": "high"}

        return {
            "time": stream(self.offsets),
            "distance": stream(self.distance),
            "altitude": stream(self.altitude),
            "heartrate": stream(self.heartrate),
        }

    def intervals_streams(self) -> list[dict[str, Any]]:
        columns = {
            "time": self.offsets,
            "distance": self.distance,
            "altitude": self.altitude,
            "heartrate": self.heartrate,
        }
        return [{"type": kind, "name": None, "data": data} for kind, data in columns.items()]

    @property
    def avg_hr(self) -> float | None:
        beats = [h for h in self.heartrate if h]
        return sum(beats) / len(beats) if beats else None


def recorded(source: Path, start: datetime, *, every: int = 1) -> Recorded:
    """The corpus file `source` moved to `start`; `every`: keep one sample in that many (an
    Apple Health conversion keeps about one a minute)."""
    import math

    from strainwatch.metrics.activity import compute_metrics
    from strainwatch.metrics.cleaning import CleaningLimits
    from strainwatch.metrics.geo import haversine_m
    from strainwatch.sources.files.activity_files import parse_file
    from strainwatch.sources.files.limits import ReadLimits

    [read] = parse_file(str(source), source.name, ReadLimits())
    track = read.track
    raw = compute_metrics(track, read.summary, cleaning=CleaningLimits(enabled=False))
    keep = range(0, len(track), every)

    def value(x: float) -> float | None:
        return None if math.isnan(x) else x

    walked, cumulative = 0.0, []
    for i in range(len(track)):
        if i and not math.isnan(track.lat[i]) and not math.isnan(track.lat[i - 1]):
            walked += haversine_m(track.lat[i - 1], track.lon[i - 1], track.lat[i], track.lon[i])
        cumulative.append(walked if math.isnan(track.distance[i]) else track.distance[i])
    t0 = track.time[0]
    device = read.summary
    return Recorded(
        source,
        start,
        [track.time[i] - t0 for i in keep],
        [value(track.lat[i]) for i in keep],
        [value(track.lon[i]) for i in keep],
        [value(track.altitude[i]) for i in keep],
        [value(track.heart_rate[i]) for i in keep],
        [cumulative[i] for i in keep],
        device.distance_m or raw.distance_m,
        device.timer_time_s or raw.moving_time_s,
        raw.elapsed_time_s,
        timer=bool(device.timer_time_s and every > 1),
    )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _first_time(gpx: Path) -> datetime:
    found = re.search(r"<time>([^<]+)</time>", gpx.read_text(encoding="utf-8").split("<trkpt", 1)[1])
    assert found is not None, gpx
    return datetime.fromisoformat(found[1].replace("Z", "+00:00"))
