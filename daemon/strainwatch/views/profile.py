"""A run along its distance: pace, heart rate and altitude in about 200 steps, from the
samples of the activity's own file (sample streams are not stored; see store/models.py).

The file is the one the importer recorded for the activity, never a path from a request. It
is read by a `TrackReader` the caller hands in (views read no source), once per version of
the activity: `ProfileCache` keeps the profiles of the runs last looked at.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from strainwatch.domain import Track
from strainwatch.errors import StrainwatchError
from strainwatch.metrics.activity import MOVING_SPEED_MS, drop_bad_samples, interval_distances
from strainwatch.store.models import Activity

log = logging.getLogger(__name__)

STEPS = 200
SIZE = 64  # profiles kept: about 40 kB each, under 3 MB for a daemon that runs for months

TrackReader = Callable[[str, str, datetime], "Track | None"]
"""(file record, external id, start) -> the recording's samples, None when the file holds none;
raises StrainwatchError or OSError when it cannot be read (sources.samples)."""


@dataclass(frozen=True, slots=True)
class ProfilePoint:
    km: float
    pace_s_per_km: float | None
    hr: float | None
    altitude_m: float | None


@dataclass(frozen=True, slots=True)
class Profile:
    points: tuple[ProfilePoint, ...]
    source: str  # "file", or why there is none

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "points": [
                {
                    "km": round(p.km, 3),
                    "pace_s_per_km": _r(p.pace_s_per_km),
                    "hr": _r(p.hr),
                    "altitude_m": _r(p.altitude_m),
                }
                for p in self.points
            ],
        }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


NO_FILE = Profile((), "no file: this activity came without samples (Strava or typed in)")
IN_ZIP = Profile((), "the file is inside a Strava export zip; its samples are not shown yet")
UNREADABLE = Profile((), "the activity's file cannot be read now")
NOT_READ = Profile((), "this server reads no activity files")


def run_profile(activity: Activity, read: TrackReader | None) -> Profile:
    """The profile from the activity's file, or an empty one that says why there is none."""
    record = activity.raw.get("file")
    if not isinstance(record, str):
        return NO_FILE
    if "!" in record and not Path(record).is_file():
        return IN_ZIP
    if read is None:
        return NOT_READ
    try:
        track = read(record, activity.external_id, activity.start_time)
    except (StrainwatchError, OSError) as error:
        log.info("run profile of activity %d: %s", activity.id, error)
        return UNREADABLE
    if track is None:
        return Profile((), "the activity's file holds no samples now")
    return Profile(profile_of(track), "file")


class ProfileCache:
    """The profiles of the last SIZE runs looked at, each read once per version of its
    activity: the key holds `updated_at`, which a re-import, a crop read again or the runner's
    correction moves on, so the next look reads the file again. A file that cannot be read
    now is not kept (it may be back on the next look)."""

    def __init__(self, read: TrackReader | None, size: int = SIZE) -> None:
        self.read, self.size = read, size
        self._items: OrderedDict[int, tuple[datetime, Profile]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, activity: Activity) -> Profile:
        version = activity.updated_at
        with self._lock:
            hit = self._items.get(activity.id)
            if hit is not None and hit[0] == version:
                self._items.move_to_end(activity.id)
                return hit[1]
        profile = run_profile(activity, self.read)
        if profile is not UNREADABLE:
            with self._lock:
                self._items[activity.id] = (version, profile)
                self._items.move_to_end(activity.id)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return profile


def profile_of(track: Track, steps: int = STEPS) -> tuple[ProfilePoint, ...]:
    """Samples binned by distance: moving pace, mean heart rate and altitude per bin."""
    clean = drop_bad_samples(track)
    gaps = interval_distances(clean)
    total = sum(gaps)
    if len(clean) < 2 or total <= 0:
        return ()
    width = total / steps
    sums = [[0.0, 0.0, 0.0, 0, 0.0, 0] for _ in range(steps)]  # metres, seconds, hr sum, n, alt sum, n
    at = 0.0
    for i in range(1, len(clean)):
        dt = clean.time[i] - clean.time[i - 1]
        at += gaps[i]
        b = sums[min(steps - 1, int(at / width))]
        if dt > 0 and gaps[i] / dt > MOVING_SPEED_MS:
            b[0] += gaps[i]
            b[1] += dt
        hr, alt = clean.heart_rate[i], clean.altitude[i]
        if hr == hr:
            b[2] += hr
            b[3] += 1
        if alt == alt:
            b[4] += alt
            b[5] += 1
    points = []
    for k, (metres, seconds, hr_sum, hr_n, alt_sum, alt_n) in enumerate(sums):
        pace = seconds / metres * 1000 if metres > width * 0.2 else None
        points.append(
            ProfilePoint(
                km=(k + 0.5) * width / 1000,
                pace_s_per_km=pace if pace is not None and math.isfinite(pace) else None,
                hr=hr_sum / hr_n if hr_n else None,
                altitude_m=alt_sum / alt_n if alt_n else None,
            )
        )
    return tuple(points)
