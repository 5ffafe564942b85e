"""One harness over every source (files, Strava, intervals.icu) for the sources' contract
tests: the same cases, whichever source brings the run. Strava and intervals.icu are the
local fakes (real HTTP on 127.0.0.1); files are real GPX files in a watched folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
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

    def key(self, name: str) -> str:
        """The external id the store keeps for run `name` of this source."""
        if self.kind == "files":
            return str((self.folder / f"{name}.gpx").resolve())
        return str(_strava_id(name)) if self.kind == "strava" else f"i{name}"

    def add_run(self, name: str, start: datetime, km: float, *, manual: bool = False) -> None:
        """Run `name` as this source brings it (a manual entry: typed in, no streams)."""
        if self.kind == "files":
            write_gpx(self.folder / f"{name}.gpx", start, km)
        elif self.strava is not None:
            self.strava.add_run(_strava_id(name), start, km, manual=manual)
        elif self.intervals is not None:
            self.intervals.add_run(f"i{name}", start, km, streams=not manual, source="MANUAL" if manual else "GARMIN_CONNECT")
        self.written[name] = (start, km)

    def add_watch_file(self, name: str, start: datetime, km: float) -> None:
        """The same run recorded by another device, as a file in the folder."""
        write_gpx(self.folder / f"watch-{name}.gpx", start, km)

    def edit(self, name: str) -> None:
        """The source brings run `name` again, edited (a new name, a distance 1 % longer)."""
        start, km = self.written[name]
        if self.kind == "files":
            write_gpx(self.folder / f"{name}.gpx", start, km * 1.01)
            os.utime(self.folder / f"{name}.gpx", ns=(1, 1))
        elif self.strava is not None:
            self.strava.activities[_strava_id(name)] |= {"name": "Renamed", "distance": km * 1010.0}
        elif self.intervals is not None:
            self.intervals.activities[f"i{name}"] |= {"name": "Renamed", "distance": km * 1010.0}

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
            return int(session.scalars(select(Activity.id).where(Activity.external_id == self.key(name))).one())


def _strava_id(name: str) -> int:
    return 1000 + sum(ord(c) * 31**i for i, c in enumerate(name)) % 100_000


@contextmanager
def source_harness(kind: str, tmp: Path, database_url: str) -> Iterator[SourceHarness]:
    """A config with a files folder and, for Strava and intervals.icu, that source on its fake."""
    from strainwatch.store.db import open_database

    folder = tmp / "runs"
    folder.mkdir()
    with ExitStack() as stack:
        strava = stack.enter_context(fake_strava.running(fake_strava.FakeStrava())) if kind == "strava" else None
        intervals = (
            stack.enter_context(fake_intervals.running(fake_intervals.FakeIntervals())) if kind == "intervals" else None
        )
        tables = fake_strava.strava_table(strava, tmp) if strava is not None else ""
        athlete = "[athletes.strava]\nbackfill_days = 60\n" if strava is not None else ""
        if intervals is not None:
            athlete = fake_intervals.intervals_table(intervals, tmp)
        settings = settings_of(
            tmp / "config.toml", database_url, [folder], tables=tables, athlete=athlete, immediate=True,
            notify=f'mbox = "{tmp / "mail.mbox"}"\n',
        )
        if strava is not None:
            fake_strava.link_athlete(settings)
        yield SourceHarness(kind, tmp, folder, settings, open_database(database_url), strava, intervals)


def days_ago(now: datetime, days: float) -> datetime:
    return (now - timedelta(days=days)).replace(microsecond=0)
