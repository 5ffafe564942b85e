"""The runs the store already holds, in memory for one import: keys and same-run matching.

Two look-ups per file (is this key stored? is this the same run as a stored one?) cost
two queries each through the ORM; loaded once, they cost a dict probe and a bisection.
Concurrent imports are excluded by the single-pass lock, and the unique (source,
external id) constraint still guards the keys.

One rule for every source (files, Strava, intervals.icu, a later export): two recordings of
one athlete are the same run when they overlap by at least half of the shorter one, whatever
their start gap or distances (a watch and a phone, a recording started the evening before
and left running); recordings without a duration (manual entries) match on a start within
60 s and a distance within 2 %. The better recording counts (`recording_quality`), the
other is linked as its duplicate.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from dataclasses import dataclass, field, replace

DUPLICATE_START_WINDOW_S = 60.0
DUPLICATE_DISTANCE_TOLERANCE = 0.02
DUPLICATE_OVERLAP = 0.5  # of the shorter recording

Quality = tuple[int, int, int, int]


def recording_quality(*, manual: bool, heart_rate: bool, samples: bool, count: int = 0) -> Quality:
    """Which of two recordings of one run counts: a recording over a typed-in entry, then
    one with heart rate, then one with samples (a track, streams), then more samples."""
    return (0 if manual else 1, int(heart_rate), int(samples), count)


def has_samples(*, from_file: bool, manual: bool, has_gps: bool, streams_state: str | None) -> bool:
    """A recording with samples: a file (not a typed-in export row), a track, fetched streams."""
    return not manual and (from_file or has_gps or streams_state == "fetched")


@dataclass(frozen=True, slots=True, order=True)
class KnownRun:
    start: float  # epoch seconds
    distance_m: float
    activity_id: int | None  # None: added by a dry run, never stored
    origin: str  # "file: /path" or "strava_export: 123", for messages
    end: float = 0.0  # epoch seconds; at or before `start`: no duration known
    quality: Quality = (0, 0, 0, 0)

    @property
    def span(self) -> float:
        return max(self.end - self.start, 0.0)


@dataclass(slots=True)
class KnownActivities:
    keys: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)  # id, athlete
    runs: list[KnownRun] = field(default_factory=list)  # this athlete's, by start
    longest: float = 0.0  # the longest span in `runs`: how far back an overlap can start
    corrected: set[tuple[str, str]] = field(default_factory=set)  # keys with the runner's corrections

    def owner(self, source: str, external_id: str) -> tuple[int, str] | None:
        return self.keys.get((source, external_id))

    def same_run(self, start: float, distance_m: float, end: float | None = None) -> KnownRun | None:
        """A stored recording of the same run (the rule is in the module docstring)."""
        i = bisect_left(self.runs, KnownRun(start - DUPLICATE_START_WINDOW_S, -1.0, None, ""))
        while i < len(self.runs) and self.runs[i].start <= start + DUPLICATE_START_WINDOW_S:
            run = self.runs[i]
            largest = max(run.distance_m, distance_m)
            if largest == 0 or abs(run.distance_m - distance_m) <= DUPLICATE_DISTANCE_TOLERANCE * largest:
                return run
            i += 1
        if end is None or end <= start:
            return None
        best, best_overlap = None, 0.0
        i = bisect_left(self.runs, KnownRun(start - self.longest, -1.0, None, ""))
        while i < len(self.runs) and self.runs[i].start < end:
            run = self.runs[i]
            overlap = min(end, run.start + run.span) - max(start, run.start)
            shorter = min(end - start, run.span)
            if shorter > 0 and overlap >= DUPLICATE_OVERLAP * shorter and overlap > best_overlap:
                best, best_overlap = run, overlap
            i += 1
        return best

    def add(self, key: tuple[str, str], athlete_id: str, run: KnownRun) -> None:
        if run.activity_id is not None:
            self.keys[key] = (run.activity_id, athlete_id)
        insort(self.runs, run)
        self.longest = max(self.longest, run.span)

    def replace(self, old: KnownRun, key: tuple[str, str], athlete_id: str, new: KnownRun) -> None:
        """`new` counts from now on, `old` is its duplicate."""
        if old in self.runs:
            self.runs.remove(old)
        self.add(key, athlete_id, new)

    def swap(self, old: KnownRun, new: KnownRun) -> None:
        """`old` (added before its row had an id) is `new` from now on: same place."""
        i = bisect_left(self.runs, KnownRun(old.start, old.distance_m - 1e-9, None, ""))
        while i < len(self.runs) and self.runs[i] is not old:
            i += 1
        if i < len(self.runs):
            self.runs[i] = new
        else:
            insort(self.runs, new)

    def drop(self, activity_id: int) -> None:
        """A deleted recording is no run to match any more."""
        self.runs[:] = [run for run in self.runs if run.activity_id != activity_id]

    def forget(
        self, added: list[tuple[tuple[str, str], KnownRun]], replaced: list[KnownRun], *, keep_unstored: bool
    ) -> None:
        """Undo what a rolled-back batch added: its runs out (or kept without an id), the runs
        they replaced back in."""
        gone = {id(run) for _key, run in added}
        for key, _run in added:
            self.keys.pop(key, None)
        self.runs[:] = [run for run in self.runs if id(run) not in gone]
        for key, run in added:
            if keep_unstored:
                self.add(key, "", replace(run, activity_id=None))
        for run in replaced:
            insort(self.runs, run)
