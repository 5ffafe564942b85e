"""A run along its distance: pace, heart rate and altitude in about 200 steps, read again
from the activity's own file (sample streams are not stored; see store/models.py).

The file is the one the importer recorded for the activity, never a path from a request.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from strainwatch.domain import Track
from strainwatch.errors import StrainwatchError
from strainwatch.metrics.activity import MOVING_SPEED_MS, drop_bad_samples, interval_distances
from strainwatch.sources.files.activity_files import parse_file
from strainwatch.sources.files.limits import ReadLimits
from strainwatch.store.models import Activity

log = logging.getLogger(__name__)

STEPS = 200
READ_TIME_LIMIT_S = 10.0


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
                {"km": round(p.km, 3), "pace_s_per_km": _r(p.pace_s_per_km), "hr": _r(p.hr),
                 "altitude_m": _r(p.altitude_m)}
                for p in self.points
            ],
        }  # fmt: skip


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def run_profile(activity: Activity) -> Profile:
    """The profile from the activity's file, or an empty one that says why there is none."""
    record = activity.raw.get("file")
    if not isinstance(record, str):
        return Profile((), "no file: this activity came without samples (Strava or typed in)")
    if "!" in record and not Path(record).is_file():
        return Profile((), "the file is inside a Strava export zip; its samples are not shown yet")
    try:
        parsed = parse_file(record, activity.external_id, limits=ReadLimits.for_seconds(READ_TIME_LIMIT_S))
    except (StrainwatchError, OSError) as error:
        log.info("run profile of activity %d: %s", activity.id, error)
        return Profile((), "the activity's file cannot be read now")
    if not parsed:
        return Profile((), "the activity's file holds no samples now")
    best = min(parsed, key=lambda p: abs((p.start_time - activity.start_time).total_seconds()))
    return Profile(profile_of(best.track), "file")


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
