"""What the runner really ran: the parts of a recording that were not running, found and
named so the metrics leave them out (pure: no I/O).

A phone left recording in a car, a watch that jumps across town, a recording stopped the
next day: each adds kilometres the runner never ran, and one of them is enough to raise a
long-run warning. Four corrections, applied in this order, each recorded with what it
removed (metres and moving seconds) and why:

- **tail**: a gap longer than `tail_gap_s` (hours) ends the recording there: what follows
  is another outing the device kept recording;
- **gap**: an interval longer than `gap_s` (30 minutes) is a stop, not moving time, and the
  way across it counts no distance;
- **vehicle** (or **position**, when the heart rate stayed at running level: the GPS ran off,
  not the runner): a stretch of at least `sustained_s` seconds whose average speed is faster
  than the sport allows (running: `max_speed_ms`, about 7 m/s, 2:23/km), made of more than
  one fast step, is cropped from distance, moving time and the pace profile; a stretch only
  faster than `hr_speed_ms` counts too when its heart rate is below `hr_ratio` of the
  recording's median (a runner's heart does not idle at 5 m/s);
- **teleport**: a single step farther than the sport allows in its time (plus `jump_slack_m`
  of GPS noise) adds no distance and no moving time, whether the distance comes from the
  positions or is the device's or the service's own (a watch still finding its satellites
  counts tens of metres in a second; a stream of a bus ride in bursts, tens in a tenth).

The original file is never changed; only what is counted from it.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate, pairwise

from strainwatch.domain import Correction
from strainwatch.units import speed_mark

MOVING_SPEED_MS = 0.8  # as metrics.activity: slower is standing


@dataclass(frozen=True, slots=True)
class CleaningLimits:
    """The limits of a plausible run; `[cleaning]` in the config (defaults documented there)."""

    enabled: bool = True
    max_speed_ms: float = 7.0
    sustained_s: float = 60.0
    hr_speed_ms: float = 5.0
    hr_ratio: float = 0.7
    jump_slack_m: float = 10.0
    gap_s: float = 1800.0
    tail_gap_s: float = 7200.0
    sparse_interval_s: float = 10.0


@dataclass(frozen=True, slots=True)
class Cleaning:
    """The verdict on one recording: samples `[0, end)` are kept; interval i (from sample
    i-1 to i) counts no distance and no moving time where `dropped[i]`."""

    end: int
    dropped: bytearray
    corrections: tuple[Correction, ...]

    @property
    def changed(self) -> bool:
        return bool(self.corrections)


def _clock(seconds: float) -> str:
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


_VEHICLE, _TELEPORT, _GAP, _CROP = 1, 2, 3, 4


@dataclass(slots=True)
class _Recording:
    """One recording being cleaned: its columns, the verdict so far (`dropped`, `end`) and
    the corrections found."""

    times: list[float]
    steps: list[float]
    heart_rate: Sequence[float]
    limits: CleaningLimits
    dropped: bytearray
    end: int
    corrections: list[Correction]
    dts: list[float]  # dts[i]: the seconds of interval i (from sample i-1 to i); dts[0] = 0

    def dt(self, i: int) -> float:
        return self.dts[i]

    def moving_s(self, first: int, last: int) -> float:
        """The moving seconds of intervals [first, last), as metrics.activity counts them."""
        total = 0.0
        for i in range(first, last):
            dt = self.dt(i)
            if dt > 0 and self.steps[i] >= MOVING_SPEED_MS * dt:
                total += dt
        return total

    def add(self, kind: str, first: int, last: int, removed_m: float, why: str) -> None:
        """A correction of intervals [first, last)."""
        t0 = self.times[0]
        start, stop = self.times[first - 1] - t0, self.times[last - 1] - t0
        self.corrections.append(Correction(kind, start, stop, removed_m, self.moving_s(first, last), why))

    def crop(self, start: float, stop: float) -> None:
        """The runner's word: only [start, stop] was the run."""
        outside = [i for i in range(1, len(self.times)) if self.times[i - 1] < start or self.times[i] > stop]
        if not outside:
            return
        for i in outside:
            self.dropped[i] = _CROP
        t0 = self.times[0]
        self.corrections.append(
            Correction(
                "crop",
                self.times[outside[0] - 1] - t0,
                self.times[outside[-1]] - t0,
                sum(self.steps[i] for i in outside),
                sum(self.moving_s(i, i + 1) for i in outside),
                "you said the run was only part of the recording",
            )
        )

    def cut_tail(self) -> None:
        n, dts = len(self.times), self.dts
        if max(dts) <= self.limits.tail_gap_s:
            return
        i = next(i for i in range(1, n) if dts[i] > self.limits.tail_gap_s)
        self.end = i
        why = f"recording ended at a {_clock(dts[i])} stop; what came after it is another outing"
        self.add("tail", i, n, sum(self.steps[i:n]), why)

    def mark_gaps(self) -> None:
        dts, gap = self.dts, self.limits.gap_s
        if max(dts[: self.end]) <= gap:
            return
        for i in range(1, self.end):
            if dts[i] > gap:
                self.dropped[i] = _GAP
                why = f"a {_clock(dts[i])} stop is not moving time, nor is the way across it distance"
                self.add("gap", i, i + 1, self.steps[i], why)

    def mark_vehicles(self, limit: float) -> None:
        """Every window of at least `sustained_s` too fast for the sport (or fast with an
        idling heart), cropped to the fast steps, named a vehicle or a position running off."""
        median = self._mark_windows(limit)
        idle = median * self.limits.hr_ratio if median is not None else None
        for first, last in self._trimmed(self.limits.hr_speed_ms):
            removed_m = sum(self.steps[first:last])
            span = self.times[last - 1] - self.times[first - 1]
            hrs = [h for h in self.heart_rate[first:last] if h == h and h > 0]
            heart = sum(hrs) / len(hrs) if hrs else None
            speed = f"{speed_mark(removed_m / max(span, 1.0))} for {_clock(span)}"
            if heart is not None and idle is not None and heart >= idle:
                why = f"{speed} with a running heart rate ({heart:.0f}): the position ran off"
                self.add("position", first, last, removed_m, why)
            else:
                beat = f", heart rate {heart:.0f} (run: {median:.0f})" if heart is not None and median else ""
                self.add("vehicle", first, last, removed_m, f"{speed}{beat}: a vehicle, not running")

    def _mark_windows(self, limit: float) -> float | None:
        """Mark the too-fast windows; the recording's median heart rate, if it has one."""
        times, end, limits = self.times, self.end, self.limits
        kept = zip(self.steps[:end], self.dropped, strict=False)
        steps = [0.0 if gone in (_GAP, _CROP) else step for step, gone in kept]
        dts, brisk_speed = self.dts[:end], limits.hr_speed_ms
        brisk_steps = [s > brisk_speed * dt for s, dt in zip(steps, dts, strict=True)]
        if sum(brisk_steps) < 2:
            return None  # nothing is even brisk twice: no stretch can be too fast
        brisk = list(accumulate(brisk_steps))
        fast = list(accumulate(s > limit * dt for s, dt in zip(steps, dts, strict=True)))
        cum = list(accumulate(steps))
        median = _median_hr(self.heart_rate, end)
        idle = median * limits.hr_ratio if median is not None else None
        hr_sum: list[float] = []
        hr_n: list[int] = []
        lo = marked = 0
        window = limits.sustained_s
        for i in range(1, end):
            t = times[i]
            while lo + 1 < i and t - times[lo + 1] >= window:
                lo += 1
            if brisk[i] - brisk[lo] < 2:
                continue  # one step cannot make a stretch: that is a jump
            span = t - times[lo]
            if span < window:
                continue
            speed = (cum[i] - cum[lo]) / span
            vehicle = speed > limit and fast[i] - fast[lo] >= 2
            if not vehicle and idle is not None and speed > brisk_speed:
                if not hr_n:
                    hr_sum, hr_n = _heart_sums(self.heart_rate, end)
                beats = hr_n[i] - hr_n[lo]
                vehicle = beats > 0 and (hr_sum[i] - hr_sum[lo]) / beats < idle
            if vehicle:
                for k in range(max(lo + 1, marked + 1), i + 1):
                    if not self.dropped[k]:
                        self.dropped[k] = _VEHICLE
                marked = i
        return median

    def _trimmed(self, brisk: float) -> list[tuple[int, int]]:
        """The vehicle stretches without the running at their edges: a window that is too
        fast on average also holds the seconds of running before and after the car."""
        out = []
        for start, stop in _stretches(self.dropped, _VEHICLE, 1, self.end):
            first, last = start, stop
            while first < last and self.steps[first] <= brisk * self.dt(first):
                self.dropped[first] = 0
                first += 1
            while last > first and self.steps[last - 1] <= brisk * self.dt(last - 1):
                self.dropped[last - 1] = 0
                last -= 1
            if first < last:
                out.append((first, last))
        return out

    def mark_jumps(self, limit: float) -> None:
        """Single steps farther than the sport allows in their time: no distance, no time."""
        slack, end = self.limits.jump_slack_m, self.end
        pairs = zip(self.steps[:end], self.dts[:end], strict=True)
        far = [i for i, (s, dt) in enumerate(pairs) if s > limit * dt + slack]
        jumps = [i for i in far if i and not self.dropped[i]]
        if not jumps:
            return
        for i in jumps:
            self.dropped[i] = _TELEPORT
        t0 = self.times[0]
        self.corrections.append(
            Correction(
                "teleport",
                self.times[jumps[0] - 1] - t0,
                self.times[jumps[-1]] - t0,
                sum(self.steps[i] for i in jumps),
                sum(self.moving_s(i, i + 1) for i in jumps),
                f"{len(jumps)} impossible jump{'s' if len(jumps) > 1 else ''} of the position "
                f"(up to {max(self.steps[i] for i in jumps):.0f} m at once)",
            )
        )


def _stretches(dropped: bytearray, mark: int, lo: int, hi: int) -> list[tuple[int, int]]:
    """Runs of intervals marked `mark` in [lo, hi), as (first, last + 1)."""
    out: list[tuple[int, int]] = []
    i = lo
    while i < hi:
        if dropped[i] == mark:
            j = i
            while j < hi and dropped[j] == mark:
                j += 1
            out.append((i, j))
            i = j
        else:
            i += 1
    return out


def _heart_sums(heart_rate: Sequence[float], end: int) -> tuple[list[float], list[int]]:
    """Running sums and counts of the recorded heart rates, for windows' means."""
    beats = [h if h == h and h > 0 else 0.0 for h in heart_rate[:end]]
    return list(accumulate(beats)), list(accumulate(1 if b else 0 for b in beats))


def _median_hr(heart_rate: Sequence[float], end: int) -> float | None:
    values = [h for h in heart_rate[:end] if h == h and h > 0]
    return statistics.median(values) if values else None


def clean_track(
    times: Sequence[float],
    steps: Sequence[float],
    heart_rate: Sequence[float],
    limits: CleaningLimits,
    speed_limit: float | None,
    *,
    keep: tuple[float, float] | None = None,
) -> Cleaning:
    """Find what in a recording was not running (the rules are in the module docstring).

    `steps` are the metres between consecutive samples (first entry 0); `speed_limit` the
    sport's top speed in m/s, None for sports with no such limit (rides): those lose only
    gaps and tails. `keep`: the runner's crop (epoch seconds): everything outside it is left
    out, whatever the limits.
    """
    n = len(times)
    if n < 2 or (not limits.enabled and keep is None):
        return Cleaning(n, bytearray(n), ())
    t = list(times)
    dts = [0.0, *(b - a for a, b in pairwise(t))]
    recording = _Recording(t, list(steps), heart_rate, limits, bytearray(n), n, [], dts)
    if keep is not None:
        recording.crop(*keep)
    if limits.enabled:
        recording.cut_tail()
        recording.mark_gaps()
        if speed_limit is not None:
            recording.mark_vehicles(speed_limit)
            recording.mark_jumps(speed_limit)
    corrections = sorted(recording.corrections, key=lambda c: (c.start_s, c.kind))
    return Cleaning(recording.end, recording.dropped, tuple(corrections))


def device_timer(
    samples: int, computed_moving_s: float, timer_s: float | None, limits: CleaningLimits
) -> Correction | None:
    """Sparse records (fewer than one sample per `sparse_interval_s` of the device's timer)
    cannot say when the runner moved: the device's own timer says it better."""
    if not limits.enabled or not timer_s or samples * limits.sparse_interval_s >= timer_s:
        return None
    return Correction(
        "device-timer",
        0.0,
        timer_s,
        0.0,
        computed_moving_s - timer_s,
        f"{samples} samples over {_clock(timer_s)} are too sparse to time the run: "
        "moving time and distance from the device's own totals",
    )


def removed_totals(corrections: Sequence[Correction]) -> tuple[float, float]:
    """The metres and moving seconds all `corrections` removed."""
    return sum(c.removed_m for c in corrections), sum(c.removed_s for c in corrections)
