"""Per-activity metrics from a track: distance, time, pace, grade-adjusted pace, climb.

Moving time: an interval between two samples counts as moving when its speed is at
least `MOVING_SPEED_MS` (0.8 m/s, 2.9 km/h): slower than any walk break in a run, faster
than the drift of a GPS fix standing still. Auto-paused gaps have no distance, so they
fall below it too.

Bad samples are dropped before anything is computed (`drop_bad_samples`), never turned into
distance or climb:
- a position outside latitude ±90 / longitude ±180, or exactly 0°, 0° (a fix not yet taken);
  a dropped position is replaced by the last good one, so the way from that fix to the next
  good one still counts;
- a position that would mean moving faster than `MAX_SPEED_MS` (100 m/s, 360 km/h) from the
  last good one, and more than 1 km away: a longitude flipping between +179 and -179, a
  one-sample jump across a continent. After `JUMP_RESET` such samples in a row the new place
  is taken as real (the earlier fix was the wrong one); the jump itself counts no distance;
- a device distance that grows faster than `MAX_SPEED_MS`;
- an altitude outside `ALTITUDE_RANGE_M` (-500 m, below the Dead Sea shore, to 9,000 m);
- a heart rate outside 20-250 bpm, a cadence above 300 per minute, and any non-finite value.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from functools import reduce
from itertools import accumulate, compress

from strainwatch.domain import RUNNING_SPORT_TYPES, ActivityMetrics, DeviceSummary, Track
from strainwatch.metrics.cleaning import CleaningLimits, clean_track, device_timer
from strainwatch.metrics.elevation import ascent_descent, smooth_altitude
from strainwatch.metrics.geo import EARTH_RADIUS_M
from strainwatch.metrics.grade import FLAT_COST, MAX_GRADE

MOVING_SPEED_MS = 0.8
GRADE_SPAN_M = 20.0  # grades are taken over at least this much distance, not per fix
PACE_WINDOW_S = 30.0  # per-sample pace is averaged over this centred window
PACE_BIN_S_PER_KM = 5
SLOWEST_PROFILED_PACE_S_PER_KM = 1200  # slower than 20:00/km is walking or standing
MAX_SPEED_MS = 100.0
JUMP_RESET = 5
MIN_JUMP_S = 10.0  # so no jump under 1 km is ever dropped: GPS catches up after a tunnel
ALTITUDE_RANGE_M = (-500.0, 9000.0)
HEART_RATE_RANGE = (20.0, 250.0)
CADENCE_RANGE = (0.0, 300.0)
NAN = math.nan


def _haversine(la0: float, lo0: float, la1: float, lo1: float) -> float:
    rad = math.pi / 180.0
    p0, p1 = la0 * rad, la1 * rad
    h = math.sin((p1 - p0) / 2) ** 2 + math.cos(p0) * math.cos(p1) * math.sin((lo1 - lo0) * rad / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h) if h < 1.0 else 1.0)


def _hold(lat: list[float], lon: list[float], i: int, anchor: int) -> None:
    """A dropped position takes the last good one's place: the distance from the last good
    fix to the next one is still counted, none to or from the bad one."""
    if anchor >= 0:
        lat[i], lon[i] = lat[anchor], lon[anchor]
    else:
        lat[i] = lon[i] = NAN


_NAN_BYTES = array("d", [NAN]).tobytes()


def _all_nan(column: array[float]) -> bool:
    """True when nothing was recorded in `column` (the readers fill gaps with `NAN`):
    a C-speed comparison that lets a pass over it be skipped."""
    return column.tobytes() == _NAN_BYTES * len(column)


def _clean_positions(time: Sequence[float], lat: list[float], lon: list[float]) -> array[float]:
    """Apply the position rules to `lat` and `lon` in place. Returns, per sample, the
    great-circle distance from the sample before when both were kept as they were (the
    check measured it: `interval_distances` need not again), else NaN.

    The loops of this module read lists, not arrays: a list holds its floats, an array
    makes a new one at every read.
    """
    n = len(lat)
    near = array("d", _NAN_BYTES * n)
    rad = math.pi / 180.0
    sin, cos, asin, sqrt = math.sin, math.cos, math.asin, math.sqrt
    anchor = -1
    rejected = 0
    for i in range(n):
        la, lo = lat[i], lon[i]
        if la != la or lo != lo:
            pass  # not recorded: a gap, as before
        elif not (-90.0 <= la <= 90.0 and -180.0 <= lo <= 180.0) or (la == 0.0 and lo == 0.0):
            _hold(lat, lon, i, anchor)
        elif anchor >= 0:
            dt = time[i] - time[anchor]
            p0, p1 = lat[anchor] * rad, la * rad  # _haversine, inlined
            h = sin((p1 - p0) / 2) ** 2 + cos(p0) * cos(p1) * sin((lo - lon[anchor]) * rad / 2) ** 2
            metres = 2 * EARTH_RADIUS_M * asin(sqrt(h) if h < 1.0 else 1.0)
            if metres > MAX_SPEED_MS * max(dt, MIN_JUMP_S):
                rejected += 1
                if rejected < JUMP_RESET:
                    _hold(lat, lon, i, anchor)
                else:
                    lat[i - 1] = lon[i - 1] = NAN  # no distance across the jump
                    anchor, rejected = i, 0
            else:
                if anchor == i - 1:
                    near[i] = metres
                anchor, rejected = i, 0
        else:
            anchor = i
    return near


def _drop_bad(track: Track) -> tuple[Track, array[float]]:
    """`drop_bad_samples` and the distances its position check measured (see
    `_clean_positions`)."""
    time = track.time
    lat, lon = track.lat.tolist(), track.lon.tolist()
    near = _clean_positions(time.tolist(), lat, lon)
    altitude = track.altitude
    if not _all_nan(altitude):
        lo_alt, hi_alt = ALTITUDE_RANGE_M
        altitude = array("d", [a if lo_alt <= a <= hi_alt else NAN for a in altitude])
    distance = track.distance
    if not _all_nan(distance):
        distance = array("d", distance)
        last_dist_i = -1
        for i in range(len(distance)):
            d = distance[i]
            if d == d:
                if (
                    not math.isfinite(d)
                    or d < 0
                    or (
                        last_dist_i >= 0
                        and d - distance[last_dist_i]
                        > MAX_SPEED_MS * max(time[i] - time[last_dist_i], MIN_JUMP_S)
                    )
                ):
                    distance[i] = NAN
                else:
                    last_dist_i = i
    positions = array("d", lat), array("d", lon)
    return Track(time, *positions, altitude, distance, track.heart_rate, track.cadence), near


def drop_bad_samples(track: Track) -> Track:
    """A copy of `track` with impossible positions, jumps, altitudes, distances, heart
    rates and cadences set to NaN (the rules are in the module's docstring)."""
    return _drop_bad(track)[0]


def interval_distances(track: Track, near: Sequence[float] | None = None) -> array[float]:
    """Metres covered between consecutive samples (first entry 0).

    The device's own cumulative distance wins where it is recorded at both ends of an
    interval; otherwise the great-circle distance between the two fixes (taken from
    `near` where that holds it).
    """
    n = len(track)
    out = array("d", bytes(8 * n))
    lat, lon, dist = track.lat, track.lon, track.distance
    rad = math.pi / 180.0
    sin, cos, asin, sqrt = math.sin, math.cos, math.asin, math.sqrt
    device = not _all_nan(dist)
    for i in range(1, n):
        if device:
            d0, d1 = dist[i - 1], dist[i]
            if d0 == d0 and d1 == d1:
                out[i] = d1 - d0 if d1 > d0 else 0.0
                continue
        la0, la1 = lat[i - 1], lat[i]
        if la0 != la0 or la1 != la1:
            continue
        if near is not None:
            metres = near[i]
            if metres == metres:
                out[i] = metres
                continue
        p0 = la0 * rad
        p1 = la1 * rad
        h = sin((p1 - p0) / 2) ** 2 + cos(p0) * cos(p1) * sin((lon[i] - lon[i - 1]) * rad / 2) ** 2
        out[i] = 2 * EARTH_RADIUS_M * asin(sqrt(h) if h < 1.0 else 1.0)
    return out


def _cumulative(values: Sequence[float]) -> array[float]:
    """Running totals, added in order (`accumulate`: the same sums as a loop, in C)."""
    return array("d", accumulate(values))


def _flat_equivalent(
    steps: Sequence[float], cum_dist: Sequence[float], smoothed: Sequence[float]
) -> array[float]:
    """Flat-equivalent metres per interval (Minetti), grades taken over GRADE_SPAN_M."""
    n = len(steps)
    out = array("d", steps)
    steps, cum_dist, smoothed = list(steps), list(cum_dist), list(smoothed)
    lo = 0
    hi = 0
    half = GRADE_SPAN_M / 2
    for i in range(1, n):
        step = steps[i]
        if step <= 0.0:
            continue
        centre = cum_dist[i] - step / 2
        start, end = centre - half, centre + half
        while lo < i - 1 and cum_dist[lo + 1] <= start:
            lo += 1
        hi = max(hi, i)
        while hi < n - 1 and cum_dist[hi] < end:
            hi += 1
        run = cum_dist[hi] - cum_dist[lo]
        a0, a1 = smoothed[lo], smoothed[hi]
        if run > 0.0 and a0 == a0 and a1 == a1:
            # grade_factor((a1 - a0) / run), inlined: the same operations in the same order
            g = max(-MAX_GRADE, min(MAX_GRADE, (a1 - a0) / run))
            cost = ((((155.4 * g - 30.4) * g - 43.3) * g + 46.3) * g + 19.5) * g + FLAT_COST
            out[i] = step * (cost / FLAT_COST)
    return out


def _gap_profile(time: Sequence[float], cum_eq: Sequence[float], moving: Sequence[bool]) -> dict[int, float]:
    """Moving seconds per grade-adjusted pace bin, pace averaged over PACE_WINDOW_S."""
    profile: dict[int, float] = {}
    get = profile.get
    time, cum_eq = list(time), list(cum_eq)
    n = len(time)
    lo = hi = 0
    half = PACE_WINDOW_S / 2
    for i in range(1, n):
        if not moving[i]:
            continue
        t = time[i]
        start, end = t - half, t + half
        while time[lo] < start:
            lo += 1
        hi = max(hi, i)
        while hi < n - 1 and time[hi + 1] <= end:
            hi += 1
        span_m = cum_eq[hi] - cum_eq[lo]
        span_s = time[hi] - time[lo]
        if span_m <= 0.0 or span_s <= 0.0:
            continue
        pace = span_s / span_m * 1000.0
        if pace >= SLOWEST_PROFILED_PACE_S_PER_KM:
            continue
        key = int(pace // PACE_BIN_S_PER_KM) * PACE_BIN_S_PER_KM
        profile[key] = get(key, 0.0) + (t - time[i - 1])
    return {k: round(v, 1) for k, v in sorted(profile.items())}


def _mean_max(values: array[float], bounds: tuple[float, float]) -> tuple[float | None, float | None]:
    if _all_nan(values):
        return None, None
    low, high = bounds
    kept = [v for v in values if v > 0 and low <= v <= high]
    if not kept:
        return None, None
    return reduce(float.__add__, kept, 0.0) / len(kept), max(kept)  # added in order, as always


def pace_s_per_km(seconds: float, metres: float) -> float | None:
    return seconds / metres * 1000.0 if metres > 0 and seconds > 0 else None


def _plausible_summary(summary: DeviceSummary) -> DeviceSummary:
    """The device's own totals, without negative, infinite or NaN ones."""

    def ok(value: float | None) -> float | None:
        return value if value is not None and math.isfinite(value) and value >= 0 else None

    return DeviceSummary(ok(summary.distance_m), ok(summary.timer_time_s), ok(summary.elapsed_time_s))


# the sports whose top speed `CleaningLimits.max_speed_ms` is; other sports (rides, skis,
# swims) lose only stops and tails
_ON_FOOT = RUNNING_SPORT_TYPES | {"Walk", "Hike"}


def _head(track: Track, end: int) -> Track:
    """The first `end` samples of `track`."""
    return Track(*(column[:end] for column in track.columns().values()))


def compute_metrics(
    track: Track,
    summary: DeviceSummary | None = None,
    *,
    sport_type: str | None = None,
    cleaning: CleaningLimits | None = None,
    keep: tuple[float, float] | None = None,
) -> ActivityMetrics:
    """All per-activity figures; `summary` supplies what the device measured itself.

    What the runner did not run (a car ride, a jump of the position, a stop of hours, see
    `metrics.cleaning`) is left out and named in `corrections`; a `sport_type` of None is
    taken for running. `keep`: the runner's crop (epoch seconds from, to).
    """
    summary = _plausible_summary(summary or DeviceSummary())
    limits = cleaning or CleaningLimits()
    track, near = _drop_bad(track)
    time = track.time
    steps = interval_distances(track, near)
    on_foot = sport_type is None or sport_type in _ON_FOOT
    speed_limit = limits.max_speed_ms if on_foot else None
    verdict = clean_track(time, steps, track.heart_rate, limits, speed_limit, keep=keep)
    dropped = verdict.dropped
    if verdict.end < len(track):
        track, steps, dropped = _head(track, verdict.end), steps[: verdict.end], dropped[: verdict.end]
        time = track.time
    if verdict.changed:
        steps = array("d", [0.0 if gone else step for step, gone in zip(steps, dropped, strict=True)])
    n = len(track)
    moving = [False] * n
    moving_time = 0.0
    moving_m = 0.0
    times, metres = time.tolist(), steps.tolist()
    for i in range(1, n):
        dt = times[i] - times[i - 1]
        if dt > 0 and metres[i] >= MOVING_SPEED_MS * dt and not dropped[i]:
            moving[i] = True
            moving_time += dt
            moving_m += metres[i]
    track_distance = sum(steps)
    # the device's total includes what was cleaned away: then the kept samples' sum is right
    distance = summary.distance_m if summary.distance_m and not verdict.changed else track_distance
    elapsed = time[-1] - time[0] if n >= 2 else 0.0
    if not elapsed and summary.elapsed_time_s:
        elapsed = summary.elapsed_time_s
    corrections = verdict.corrections
    timer = None if verdict.changed else device_timer(n, moving_time, summary.timer_time_s, limits)
    if timer is not None:
        corrections = (timer,)
    if (not moving_time or timer is not None) and summary.timer_time_s:
        moving_time = summary.timer_time_s
        moving_m = track_distance if track_distance > 0 else distance  # scaled to `distance` below
        moving = [False, *([True] * (n - 1))] if timer is not None else moving

    smoothed = smooth_altitude(time, track.altitude)
    climb = ascent_descent(smoothed)
    if climb is not None:
        flat_eq = _flat_equivalent(steps, _cumulative(steps), smoothed)
        cum_eq = _cumulative(flat_eq)
    else:
        flat_eq = steps
        cum_eq = _cumulative(steps)
    moving_eq = sum(compress(flat_eq, moving))  # moving[0] is False: from the second on

    avg_hr, max_hr = _mean_max(track.heart_rate, HEART_RATE_RANGE)
    avg_cadence, _ = _mean_max(track.cadence, CADENCE_RANGE)
    gap_moving_m = moving_eq if moving_eq > 0 else moving_m
    # scale the flat-equivalent distance to the reported distance, so GAP and pace agree
    # on the flat even where the device's distance differs from the fixes'
    scale = distance / track_distance if track_distance > 0 and distance > 0 else 1.0
    return ActivityMetrics(
        distance_m=distance,
        moving_time_s=moving_time,
        elapsed_time_s=elapsed,
        pace_s_per_km=pace_s_per_km(moving_time, moving_m * scale if moving_m else distance),
        gap_s_per_km=pace_s_per_km(moving_time, gap_moving_m * scale if moving_m else distance),
        ascent_m=None if climb is None else round(climb[0], 1),
        descent_m=None if climb is None else round(climb[1], 1),
        avg_hr=avg_hr,
        max_hr=max_hr,
        avg_cadence=avg_cadence,
        has_gps=any(v == v for v in track.lat),
        gap_profile=_gap_profile(time, cum_eq, moving) if n >= 2 else {},
        corrections=corrections,
    )
