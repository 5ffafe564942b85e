"""Plain data the whole system shares: no I/O, no clock, no database.

Units are SI inside (metres, seconds, UTC); km or miles appear only at the edges.
Sample columns are `array('d')` with NaN for "not recorded" so that a 200 MB file's
million points cost 8 bytes a value, not a Python float object each.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import IntEnum
from typing import Any, Literal, get_args

NAN = math.nan

# Strava's sport types: the vocabulary every source is mapped onto
SportType = Literal[
    "Run",
    "TrailRun",
    "VirtualRun",
    "Walk",
    "Hike",
    "Ride",
    "VirtualRide",
    "GravelRide",
    "MountainBikeRide",
    "EBikeRide",
    "Swim",
    "Rowing",
    "NordicSki",
    "AlpineSki",
    "Workout",
    "WeightTraining",
    "Yoga",
    "Elliptical",
    "StairStepper",
    "Transition",
]
SPORT_TYPES: tuple[str, ...] = get_args(SportType)
RUNNING_SPORT_TYPES = frozenset({"Run", "TrailRun", "VirtualRun"})
FASTEST_RUN_S_PER_KM = 150.0


def new_column() -> array[float]:
    return array("d")


@dataclass(slots=True)
class Track:
    """Sample columns of one activity, all the same length.

    `time` is seconds since the epoch (UTC); `distance` is the device's cumulative
    distance in metres when the file records one, else NaN.
    """

    time: array[float] = field(default_factory=new_column)
    lat: array[float] = field(default_factory=new_column)
    lon: array[float] = field(default_factory=new_column)
    altitude: array[float] = field(default_factory=new_column)
    distance: array[float] = field(default_factory=new_column)
    heart_rate: array[float] = field(default_factory=new_column)
    cadence: array[float] = field(default_factory=new_column)

    def __len__(self) -> int:
        return len(self.time)

    def append(  # noqa: PLR0917 - one sample, in column order
        self,
        time: float,
        lat: float = NAN,
        lon: float = NAN,
        altitude: float = NAN,
        distance: float = NAN,
        heart_rate: float = NAN,
        cadence: float = NAN,
    ) -> None:
        self.time.append(time)
        self.lat.append(lat)
        self.lon.append(lon)
        self.altitude.append(altitude)
        self.distance.append(distance)
        self.heart_rate.append(heart_rate)
        self.cadence.append(cadence)

    def columns(self) -> dict[str, array[float]]:
        return {
            "time": self.time,
            "lat": self.lat,
            "lon": self.lon,
            "altitude": self.altitude,
            "distance": self.distance,
            "heart_rate": self.heart_rate,
            "cadence": self.cadence,
        }


@dataclass(frozen=True, slots=True)
class DeviceSummary:
    """What the recording device itself reports, when it does (FIT session, TCX laps)."""

    distance_m: float | None = None
    timer_time_s: float | None = None
    elapsed_time_s: float | None = None


@dataclass(slots=True)
class ParsedActivity:
    """One activity as a source read it, before metrics and storage."""

    external_id: str
    start_time: datetime  # aware, UTC
    track: Track
    sport_type: str | None = None
    name: str | None = None
    description: str | None = None
    private_note: str | None = None
    gear: str | None = None
    device: str | None = None
    trainer: bool = False  # treadmill or indoor trainer: no real distance spikes
    manual: bool = False  # typed in by hand, no recording
    summary: DeviceSummary = field(default_factory=DeviceSummary)
    partial_reason: str | None = None  # set when the file was read only part-way
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Correction:
    """One thing left out of an activity's figures, and why.

    `start_s`/`end_s` are seconds from the recording's first sample; `removed_m` and
    `removed_s` the distance and moving time no longer counted (`removed_s` is negative
    when the device's timer gave more moving time than the samples did).
    """

    kind: str  # tail | gap | vehicle | position | teleport | device-timer | crop (the runner's)
    start_s: float
    end_s: float
    removed_m: float
    removed_s: float
    why: str

    def to_json(self) -> dict[str, Any]:
        values = asdict(self)
        return {k: round(v, 1) if isinstance(v, float) else v for k, v in values.items()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Correction:
        return cls(
            str(data.get("kind", "")),
            float(data.get("start_s", 0.0)),
            float(data.get("end_s", 0.0)),
            float(data.get("removed_m", 0.0)),
            float(data.get("removed_s", 0.0)),
            str(data.get("why", "")),
        )


@dataclass(frozen=True, slots=True)
class ActivityMetrics:
    """Per-activity figures, computed by `metrics.activity.compute_metrics`.

    `gap_profile` maps a grade-adjusted pace bin (seconds per km, lower edge) to the
    moving seconds spent in it: all the speed rule needs, at a fraction of the samples.
    """

    distance_m: float
    moving_time_s: float
    elapsed_time_s: float
    pace_s_per_km: float | None
    gap_s_per_km: float | None
    ascent_m: float | None
    descent_m: float | None
    avg_hr: float | None
    max_hr: float | None
    avg_cadence: float | None
    has_gps: bool
    gap_profile: Mapping[int, float] = field(default_factory=dict)
    corrections: tuple[Correction, ...] = ()  # what was left out, and why (metrics.cleaning)


@dataclass(frozen=True, slots=True)
class Recording:
    """One activity as a source found it: its columns, ready for the store's one applier
    (store/apply.py), which decides new, edited, duplicate or unchanged."""

    external_id: str
    values: Mapping[str, Any]  # the activity's columns: start_time, distance_m, elapsed_time_s, manual …
    samples: bool = False  # recorded samples (a track, streams), not only a summary: the better recording
    # the source's own record, kept in `raw["summary"]`: a stored one that differs from it in
    # `edit_keys` (None: in any of its keys) was edited there; None: always an edit (a changed file)
    summary: Mapping[str, Any] | None = None
    edit_keys: tuple[str, ...] | None = None

    @property
    def start_time(self) -> datetime:
        start: datetime = self.values["start_time"]
        return start


@dataclass(frozen=True, slots=True)
class Deletion:
    """An activity the source no longer has."""

    external_id: str
    # the status the source answered for the activity itself: a later listing never brings it back
    gone: int | None = None


@dataclass(frozen=True, slots=True)
class SourceBatch:
    """What one source found for one athlete (a listing page, a changed file, a pass's
    deletions): applied in one transaction by `store.apply.apply_batch`; the source keeps
    `cursor` (where its next pass starts) in that same transaction."""

    source: str  # the key's first half: "file", "strava_export", "strava", "intervals"
    recordings: tuple[Recording, ...] = ()
    deletions: tuple[Deletion, ...] = ()
    cursor: datetime | None = None


class Severity(IntEnum):
    """How loudly a finding speaks: `info` in status and digests, `caution` in the next
    digest, `warning` emailed at once."""

    INFO = 1
    CAUTION = 2
    WARNING = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    def raised(self, levels: int = 1) -> Severity:
        return Severity(min(Severity.WARNING, self + levels))


def too_fast_to_run(distance_m: float, moving_time_s: float) -> bool:
    """Faster than 2:30/km over a kilometre or more beats the 10,000 m world record: a ride
    or a drive recorded as a run (plain GPX says nothing), not running load."""
    return distance_m >= 1000 and moving_time_s < FASTEST_RUN_S_PER_KM * distance_m / 1000


@dataclass(frozen=True, slots=True)
class Run:
    """An activity as the rules see it. `local_date` is in the athlete's time zone."""

    activity_id: int
    start: datetime  # aware UTC
    local_date: date
    sport_type: str
    distance_m: float
    moving_time_s: float
    gap_s_per_km: float | None = None
    ascent_m: float | None = None
    descent_m: float | None = None
    avg_hr: float | None = None
    gap_profile: tuple[tuple[int, float], ...] = ()
    text: str = ""  # name, description and private note: the runner's own words
    gear: str | None = None
    trainer: bool = False
    manual: bool = False
    counted: bool | None = None  # the runner's word: it was a run (True) or was not (False)

    @property
    def is_running(self) -> bool:
        """Running load: a running sport type at a humanly possible pace (`too_fast_to_run`),
        unless the runner said otherwise."""
        if self.counted is not None:
            return self.counted
        too_fast = too_fast_to_run(self.distance_m, self.moving_time_s)
        return self.sport_type in RUNNING_SPORT_TYPES and not too_fast

    @property
    def counts_for_spikes(self) -> bool:
        """Treadmill and hand-typed distances are too rough to call a spike on."""
        return self.is_running and not self.trainer and not self.manual

    def seconds_at_or_faster(self, pace_s_per_km: float) -> float:
        return sum(s for bin_start, s in self.gap_profile if bin_start + 5 <= pace_s_per_km)


@dataclass(frozen=True, slots=True)
class Injury:
    id: int
    start: date
    part: str  # calf | soleus | gastrocnemius | achilles | other
    closed: date | None = None
    note: str | None = None

    @property
    def is_calf(self) -> bool:
        return self.part in ("calf", "soleus", "gastrocnemius", "achilles")

    def open_on(self, day: date) -> bool:
        return self.start <= day and (self.closed is None or self.closed > day)


@dataclass(frozen=True, slots=True)
class Shoe:
    name: str
    tags: tuple[str, ...] = ()
    since: date | None = None

    @property
    def minimalist(self) -> bool:
        return any(tag in ("minimalist", "low-drop") for tag in self.tags)


@dataclass(frozen=True, slots=True)
class Finding:
    """What a rule found, with the numbers that fired it and what to do about it."""

    rule: str
    severity: Severity
    day: date  # the local date it is about
    period: str  # the fingerprint's tail: "activity:123", "week:2026-W47", "shoe:Pegasus:500"
    title: str
    summary: str
    advice: str
    numbers: Mapping[str, float | int | str | None]
    activity_ids: tuple[int, ...] = ()
    modifiers: tuple[str, ...] = ()
