"""The runs the store already holds, in memory for one import: keys and same-run matching.

Two look-ups per file (is this key stored? is this the same run as a stored one?) cost
two queries each through the ORM; loaded once, they cost a dict probe and a bisection.
Concurrent imports are excluded by the single-pass lock, and the unique (source,
external id) constraint still guards the keys.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from dataclasses import dataclass, field

DUPLICATE_START_WINDOW_S = 60.0
DUPLICATE_DISTANCE_TOLERANCE = 0.02


@dataclass(frozen=True, slots=True, order=True)
class KnownRun:
    start: float  # epoch seconds
    distance_m: float
    activity_id: int | None  # None: added by a dry run, never stored
    origin: str  # "file: /path" or "strava_export: 123", for messages


@dataclass(slots=True)
class KnownActivities:
    keys: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)  # id, athlete
    runs: list[KnownRun] = field(default_factory=list)  # this athlete's, by start

    def owner(self, source: str, external_id: str) -> tuple[int, str] | None:
        return self.keys.get((source, external_id))

    def same_run(self, start: float, distance_m: float) -> KnownRun | None:
        """A stored run starting within 60 s whose distance is within 2 %."""
        i = bisect_left(self.runs, KnownRun(start - DUPLICATE_START_WINDOW_S, -1.0, None, ""))
        while i < len(self.runs) and self.runs[i].start <= start + DUPLICATE_START_WINDOW_S:
            run = self.runs[i]
            largest = max(run.distance_m, distance_m)
            if largest == 0 or abs(run.distance_m - distance_m) <= DUPLICATE_DISTANCE_TOLERANCE * largest:
                return run
            i += 1
        return None

    def add(self, key: tuple[str, str], athlete_id: str, run: KnownRun) -> None:
        if run.activity_id is not None:
            self.keys[key] = (run.activity_id, athlete_id)
        insort(self.runs, run)
